"""Fixed-window rate limits shared by every process, counted in the database.

Each limit counts events per client in windows of `window` seconds. A count lives in one
row of `ratelimit_count` (groundswell.lib.models.RateCount) keyed by the limit, a keyed
hash of the client and the window's number, and is bumped by one upsert statement that
also returns the new count: no read-then-write race between processes, and no transaction
around it.
Rows of finished windows are deleted by the `forget_old_rate_counts` task.

Clients are named by `groundswell.lib.addresses.client_network` (the address, or an IPv6
client's /64), never stored in the clear: the table would otherwise be a visitor log.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Iterator

from django.conf import settings
from django.db import connection

from .addresses import client_address, client_network

__all__ = ["client_address", "client_network", "clear", "count", "hit", "retry_after"]

TABLE = "ratelimit_count"
UPSERT = (
    f"INSERT INTO {TABLE} (bucket, count, expires) VALUES (%s, 1, %s) "  # noqa: S608
    f"ON CONFLICT (bucket) DO UPDATE SET count = {TABLE}.count + 1 RETURNING count"
)


def _bucket(scope: str, key: str, window: int, now: float) -> tuple[str, int]:
    number = int(now // window)
    # Keyed: a plain hash of an IPv4 address is reversed by trying all 2^32 of them.
    digest = hashlib.blake2b(
        key.encode(), key=settings.SECRET_KEY.encode()[:64], digest_size=16
    ).hexdigest()
    return f"{scope}:{digest}:{number}", (number + 1) * window


def hit(scope: str, key: str, *, limit: int, window: int) -> bool:
    """Count one event; False once more than `limit` happened in this `window` seconds."""
    return _add(scope, key, window) <= limit


def _add(scope: str, key: str, window: int) -> int:
    now = time.time()
    bucket, expires = _bucket(scope, key, window, now)
    with connection.cursor() as cursor:
        cursor.execute(UPSERT, [bucket, expires])
        return int(cursor.fetchone()[0])


def count(scope: str, key: str, *, window: int) -> int:
    """Events counted so far in the current window (a read: no lock, no write)."""
    bucket, _expires = _bucket(scope, key, window, time.time())
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count FROM {TABLE} WHERE bucket = %s", [bucket])  # noqa: S608
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def clear(scope: str, key: str, *, window: int) -> None:
    """Forget the current window's count (a success that should wipe the slate)."""
    bucket, _expires = _bucket(scope, key, window, time.time())
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE bucket = %s", [bucket])  # noqa: S608


def retry_after(window: int) -> int:
    """Whole seconds until the current window ends and counting starts again."""
    now = time.time()
    return max(1, int((int(now // window) + 1) * window - now + 0.999))


def forget_old(now: float | None = None) -> int:
    """Delete the counts of finished windows; how many rows went."""
    from .models import RateCount

    deleted, _ = RateCount.objects.filter(expires__lt=now or time.time()).delete()
    return deleted


@contextlib.contextmanager
def one_write() -> Iterator[None]:
    """Run the count and the write it guards under one take of SQLite's write lock.

    Every autocommit write on SQLite queues for the cross-process lock (lib/sqlite/base.py);
    a request that counted and then inserted would queue twice under a spike. Held here,
    both statements run in turn without queueing again. Elsewhere (PostgreSQL) each
    statement is its own short transaction and nothing is held.
    """
    lock = getattr(connection, "statement_lock", None)
    if lock is None or not connection.get_autocommit():
        yield
        return
    connection.ensure_connection()
    with lock():
        yield
