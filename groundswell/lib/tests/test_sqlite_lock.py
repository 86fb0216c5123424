import sqlite3
from pathlib import Path

from django.db import connections

from groundswell.lib.sqlite.base import DatabaseWrapper


def test_an_insert_returning_is_finished_before_the_write_lock_is_released(
    db: None, tmp_path: Path
) -> None:
    path = str(tmp_path / "lock.sqlite3")
    wrapper = DatabaseWrapper({**connections["default"].settings_dict, "NAME": path}, "locktest")
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("CREATE TABLE t (k TEXT PRIMARY KEY)")
            cursor.execute("INSERT INTO t (k) VALUES (%s) RETURNING k", ["a"])
            # Another process may write now: SQLite's own lock went with ours.
            other = sqlite3.connect(path, timeout=0, isolation_level=None)
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            other.close()
            assert cursor.fetchone() == ("a",)
            assert cursor.fetchone() is None
            cursor.execute("INSERT INTO t (k) VALUES (%s), (%s) RETURNING k", ["b", "c"])
            assert sorted(cursor.fetchall()) == [("b",), ("c",)]
    finally:
        wrapper.close()
