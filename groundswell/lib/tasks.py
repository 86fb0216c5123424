from __future__ import annotations

from datetime import timedelta

from . import ratelimit
from .periodic import periodic

FORGET_EVERY = timedelta(minutes=5)


@periodic(every=FORGET_EVERY)
def forget_old_rate_counts() -> None:
    """Delete rate-limit counts of finished windows."""
    ratelimit.forget_old()
