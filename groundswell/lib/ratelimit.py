"""Fixed-window rate limits shared by every process: in the database, or in Redis.

Each limit counts events per client in windows of `window` seconds. A count lives in one
row of `ratelimit_count` (groundswell.lib.models.RateCount) keyed by the limit, a keyed
hash of the client and the window's number, and is bumped by one upsert statement that
also returns the new count: no read-then-write race between processes, and no transaction
around it. With REDIS_URL set the counts are Redis keys (INCR, and an expiry at the window's
end) instead; should Redis stop answering, the database counts for a while, so a signature
never fails because of its limiter.
Rows of finished windows are deleted by the `forget_old_rate_counts` task.

Clients are named by `groundswell.lib.addresses.client_network` (the address, or an IPv6
client's /64), never stored in the clear: the table would otherwise be a visitor log.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import connection

from .addresses import client_address, client_network

__all__ = ["clear", "client_address", "client_network", "count", "hit", "retry_after"]

logger = logging.getLogger(__name__)
TABLE = "ratelimit_count"
UPSERT = (
    f"INSERT INTO {TABLE} (bucket, count, expires) VALUES (%s, 1, %s) "  # noqa: S608
    f"ON CONFLICT (bucket) DO UPDATE SET count = {TABLE}.count + 1 RETURNING count"
)
# After Redis fails, this process counts in the database for this long before trying again
# (each try could otherwise cost every request a connection timeout).
REDIS_PAUSE = 30.0
REDIS_TIMEOUT = 0.25
REDIS_PREFIX = "groundswell:ratelimit:"  # Redis may be shared with other software
_redis: dict[str, Any] = {}
_redis_down_until = 0.0
# Where windows come from: the tests pin it, so a count cannot straddle two windows.
clock = time.time


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
    now = clock()
    bucket, expires = _bucket(scope, key, window, now)
    client = _redis_client()
    if client is not None:
        try:
            # One round trip, no MULTI: setting the expiry again on every count is harmless.
            with client.pipeline(transaction=False) as pipe:
                pipe.incr(REDIS_PREFIX + bucket)
                pipe.expireat(REDIS_PREFIX + bucket, expires + 1)
                return int(pipe.execute()[0])
        except Exception:  # noqa: BLE001 - any Redis failure: count in the database
            _redis_failed()
    with connection.cursor() as cursor:
        cursor.execute(UPSERT, [bucket, expires])
        return int(cursor.fetchone()[0])


def _redis_client() -> Any:
    """The Redis client when REDIS_URL is set and Redis has not just failed, else None."""
    url = settings.REDIS_URL
    if not url or time.monotonic() < _redis_down_until:
        return None
    if url not in _redis:
        import redis

        _redis[url] = redis.Redis.from_url(
            url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT
        )
    return _redis[url]


def _redis_failed() -> None:
    global _redis_down_until
    logger.warning("Redis did not answer; counting rate limits in the database for a while")
    _redis_down_until = time.monotonic() + REDIS_PAUSE


def count(scope: str, key: str, *, window: int) -> int:
    """Events counted so far in the current window (a read: no lock, no write)."""
    bucket, _expires = _bucket(scope, key, window, clock())
    client = _redis_client()
    if client is not None:
        try:
            return int(client.get(REDIS_PREFIX + bucket) or 0)
        except Exception:  # noqa: BLE001
            _redis_failed()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count FROM {TABLE} WHERE bucket = %s", [bucket])  # noqa: S608
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def clear(scope: str, key: str, *, window: int) -> None:
    """Forget the current window's count (a success that should wipe the slate)."""
    bucket, _expires = _bucket(scope, key, window, clock())
    client = _redis_client()
    if client is not None:
        try:
            client.delete(REDIS_PREFIX + bucket)
        except Exception:  # noqa: BLE001
            _redis_failed()
    # Also here: while Redis was away the count may have been kept in the database.
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE bucket = %s", [bucket])  # noqa: S608


def retry_after(window: int) -> int:
    """Whole seconds until the current window ends and counting starts again."""
    now = clock()
    return max(1, int((int(now // window) + 1) * window - now + 0.999))


def forget_old(now: float | None = None) -> int:
    """Delete the counts of finished windows; how many rows went."""
    from .models import RateCount

    deleted, _ = RateCount.objects.filter(expires__lt=now or clock()).delete()
    return deleted


@contextlib.contextmanager
def one_write() -> Iterator[None]:
    """Run the count and the write it guards under one take of SQLite's write lock.

    Every autocommit write on SQLite queues for the cross-process lock (lib/sqlite/base.py);
    a request that counted and then inserted would queue twice under a spike. Held here,
    both statements run in turn without queueing again. Elsewhere (PostgreSQL, or counts in
    Redis) each statement is its own short transaction and nothing is held.
    """
    lock = getattr(connection, "statement_lock", None)
    if lock is None or settings.REDIS_URL or not connection.get_autocommit():
        yield
        return
    connection.ensure_connection()
    with lock():
        yield
