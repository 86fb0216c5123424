"""`python -m groundswell backup PATH`: a consistent copy of the SQLite database, online."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection


class Command(BaseCommand):
    help = (
        "Copy the SQLite database to PATH while the site runs (SQLite's online backup). "
        "On PostgreSQL use pg_dump (docs/deployment.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The file to write; it must not exist yet.")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "sqlite":
            raise CommandError(
                "The database is PostgreSQL: back it up with pg_dump, e.g. "
                'pg_dump --format=custom --file=groundswell.dump "$DATABASE_URL" '
                "(docs/deployment.md)."
            )
        target = Path(options["path"]).resolve()
        if target.exists():
            raise CommandError(f"{target} already exists; name a new file.")
        if not target.parent.is_dir():
            raise CommandError(f"{target.parent} is not a directory.")
        source = Path(str(connection.settings_dict["NAME"])).resolve()
        if target == source:
            raise CommandError("That is the database itself; name another file.")
        started = time.monotonic()
        copy_database(source, target)
        size = target.stat().st_size
        self.stdout.write(
            f"Backed up {source.name} ({size / 1_000_000:.1f} MB) to {target} "
            f"in {time.monotonic() - started:.1f} s."
        )


def copy_database(source: Path, target: Path) -> None:
    """Copy `source` to `target` as one consistent snapshot, without stopping writers.

    All pages are copied in one backup step: that step reads one snapshot (in WAL mode
    writers go on meanwhile), where a copy in several steps would start over each time
    another process commits, and under steady signing might never finish. The copy is
    written beside the target and renamed into place once SQLite has checked it, so a
    half-written file never carries the target's name. It holds personal data: owner only.
    """
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    live = sqlite3.connect(source, timeout=20)
    copy = sqlite3.connect(partial)
    try:
        live.backup(copy, pages=-1)
        [(verdict,)] = copy.execute("PRAGMA integrity_check").fetchall()
        if verdict != "ok":
            raise CommandError(f"The copy failed SQLite's integrity check: {verdict}")
        # One file: restoring it needs no -wal or -shm file beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
        copy.close()
        os.replace(partial, target)
    finally:
        live.close()
        copy.close()
        partial.unlink(missing_ok=True)
