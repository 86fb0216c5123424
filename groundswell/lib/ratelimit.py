"""A fixed-window rate limit kept in Django's cache.

Counts are per cache (per process with the default local-memory cache), so a limit of N
means "about N per process"; that is enough to stop a burst from one address without any
shared counter row in the database.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def hit(scope: str, key: str, *, limit: int, window: int) -> bool:
    """Count one event; False once more than `limit` happened in this `window` seconds."""
    bucket = int(time.time() // window)
    # Hash the key: cache keys must not hold raw addresses (they may end up in logs).
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    name = f"rl:{scope}:{digest}:{bucket}"
    if cache.add(name, 1, timeout=window + 1):
        return True
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.add(name, 1, timeout=window + 1)
        return True
    return count <= limit
