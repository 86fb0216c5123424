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
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from typing import Any

from django.db.backends.sqlite3 import base

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC", "CREATE", "DROP", "ALTER")


class LockingCursor(base.SQLiteCursorWrapper):
    db: DatabaseWrapper

    def execute(self, query: str, params: Any = None) -> Any:
        if self.db.autocommit_write(query):
            with self.db.statement_lock():
                return super().execute(query, params)
        return super().execute(query, params)

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
        if self._lock_fd is None and name and not self.is_in_memory_db():
            self._lock_fd = os.open(f"{name}.writelock", os.O_RDWR | os.O_CREAT, 0o600)
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
