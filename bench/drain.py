"""Waiting for the worker to catch up after a load, for the benchmarks that need it."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from pathlib import Path


def drain(database: Path, timeout: float) -> float | None:
    """Seconds until no signature waits for recording (an intake row) or for its
    confirmation email; None if some still wait after `timeout` seconds.

    Plain sqlite3, not the ORM: this also runs inside pytest, whose Django is configured
    for the test database, not the benchmark's.
    """
    started = time.monotonic()
    with contextlib.closing(sqlite3.connect(database)) as db:
        while time.monotonic() - started < timeout:
            waiting = db.execute("SELECT COUNT(*) FROM actions_signatureintake").fetchone()[0]
            unsent = db.execute(
                "SELECT COUNT(*) FROM actions_signature "
                "WHERE confirmations_delivered < confirmation_sends"
            ).fetchone()[0]
            if waiting == 0 and unsent == 0:
                return time.monotonic() - started
            time.sleep(0.5)
    return None
