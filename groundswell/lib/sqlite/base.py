"""SQLite with one writer at a time across processes, queued by the OS instead of polling.

Each granian worker is a separate process with its own SQLite connection. When two of them
want to write, SQLite's busy handler makes the loser sleep and retry with growing pauses
(up to 100 ms each), which turns a small contention into a long tail of slow requests.
Here every write transaction first takes an exclusive flock() on a file beside the
database: waiters block in the kernel and wake the instant the writer commits, in turn.
Writes outside a transaction (Django's autocommit `save()`, `update()`, `delete()`) take the
same lock for their one statement: mixing them with SQLite's own busy waiting would let a
sleeping statement hold up every process queued on the lock. Readers never take it (WAL lets
them read while someone writes).

Checkpoints (copying the write-ahead log back into the database file, with an fsync) are
also kept off the request path. SQLite runs one automatically inside the commit that pushes
the log past a size, that is inside some request while it holds the write lock, so every
other writer waited for the copy and the fsync. Here each process runs a PASSIVE checkpoint
every second from a thread of its own, which needs no write lock and lets writers go on;
the automatic one stays as a backstop at a much larger size.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from typing import Any

from django.db.backends.sqlite3 import base

logger = logging.getLogger(__name__)
CHECKPOINT_EVERY = 1.0
# Pages of write-ahead log (4 KiB each) after which SQLite checkpoints inside a commit
# anyway: only reached if the checkpoint thread cannot keep up.
AUTOCHECKPOINT_PAGES = 25_000
_checkpointing: set[tuple[int, str]] = set()
_checkpointing_lock = threading.Lock()

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC", "CREATE", "DROP", "ALTER")


class LockingCursor(base.SQLiteCursorWrapper):
    db: DatabaseWrapper
    _rows: Iterator[Any] | None = None

    def execute(self, query: str, params: Any = None) -> Any:
        self._rows = None
        if self.db.autocommit_write(query):
            with self.db.statement_lock():
                result = super().execute(query, params)
                if self.description is not None:
                    # INSERT … RETURNING: SQLite finishes the statement, and so commits it
                    # and lets go of its own lock, only when the last row has been read.
                    # Read them all before our lock goes, or the next writer would wait
                    # in SQLite's busy handler after all.
                    self._rows = iter(super().fetchall())
                return result
        return super().execute(query, params)

    def fetchone(self) -> Any:
        return super().fetchone() if self._rows is None else next(self._rows, None)

    def fetchmany(self, size: int | None = None) -> list[Any]:
        size = size or self.arraysize
        if self._rows is None:
            return super().fetchmany(size)
        return list(itertools.islice(self._rows, size))

    def fetchall(self) -> list[Any]:
        return super().fetchall() if self._rows is None else list(self._rows)

    def executemany(self, query: str, param_list: Any) -> Any:
        if self.db.autocommit_write(query):
            with self.db.statement_lock():
                return super().executemany(query, param_list)
        return super().executemany(query, param_list)


class DatabaseWrapper(base.DatabaseWrapper):
    _lock_fd: int | None = None
    _locked = False

    _cursor_class: type[LockingCursor] | None = None

    def create_cursor(self, name: str | None = None) -> Any:
        if self._cursor_class is None:  # sqlite3 builds cursors from a class: bind it once
            self._cursor_class = type("BoundLockingCursor", (LockingCursor,), {"db": self})
        return self.connection.cursor(factory=self._cursor_class)

    def autocommit_write(self, query: str) -> bool:
        return (
            self._lock_fd is not None
            and not self._locked
            and self.get_autocommit()
            and query.lstrip()[:6].upper() in WRITES
        )

    @contextlib.contextmanager
    def statement_lock(self) -> Iterator[None]:
        self._acquire()
        try:
            yield
        finally:
            self._release()

    def get_new_connection(self, conn_params: Any) -> Any:
        connection = super().get_new_connection(conn_params)
        name = str(self.settings_dict["NAME"])
        if name and not self.is_in_memory_db():
            if self._lock_fd is None:
                self._lock_fd = os.open(f"{name}.writelock", os.O_RDWR | os.O_CREAT, 0o600)
            connection.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
            start_checkpointing(name)
        return connection

    def _acquire(self) -> None:
        if self._lock_fd is not None and not self._locked:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
            self._locked = True

    def _release(self) -> None:
        if self._locked and self._lock_fd is not None:
            self._locked = False
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _start_transaction_under_autocommit(self) -> None:
        self._acquire()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._release()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        finally:
            self._release()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._release()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            self._release()


def start_checkpointing(path: str) -> None:
    """Start this process's checkpoint thread for the database at `path`, once."""
    key = (os.getpid(), path)  # a forked child needs a thread of its own
    with _checkpointing_lock:
        if key in _checkpointing:
            return
        _checkpointing.add(key)
    threading.Thread(
        target=_checkpoint_forever, args=(path,), name="sqlite-checkpoint", daemon=True
    ).start()


def _checkpoint_forever(path: str) -> None:
    # A connection of its own, outside Django: sqlite3 releases the GIL while it copies.
    connection = sqlite3.connect(path, timeout=20, isolation_level=None, check_same_thread=False)
    while True:
        time.sleep(CHECKPOINT_EVERY)
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error:
            logger.warning("SQLite checkpoint failed; trying again shortly", exc_info=True)
