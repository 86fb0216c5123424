import os
import sqlite3
import time
from pathlib import Path

from groundswell.lib.sqlite.base import start_checkpointing


def test_the_log_is_copied_into_the_database_by_a_thread_not_by_a_commit(tmp_path: Path) -> None:
    path = str(tmp_path / "db.sqlite3")
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")  # no commit copies the log itself
    writer.execute("CREATE TABLE t (x BLOB)")
    writer.execute("BEGIN")
    writer.executemany("INSERT INTO t VALUES (?)", [(os.urandom(1000),) for _ in range(2000)])
    writer.execute("COMMIT")
    before = os.path.getsize(path)
    assert before < 100_000  # two megabytes sit in the log, not yet in the file
    start_checkpointing(path)
    deadline = time.monotonic() + 10
    while os.path.getsize(path) < 2_000_000 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert os.path.getsize(path) >= 2_000_000
    assert writer.execute("SELECT count(*) FROM t").fetchone() == (2000,)
