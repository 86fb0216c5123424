from __future__ import annotations

from datetime import timedelta

from django.tasks import task

from . import ratelimit
from .periodic import keep_one_waiting, repeat

FORGET_EVERY = timedelta(minutes=5)


@task()
def forget_old_rate_counts() -> None:
    """Delete rate-limit counts of finished windows, then run again in a few minutes."""
    try:
        ratelimit.forget_old()
    finally:  # a failed run must not end the series
        repeat(forget_old_rate_counts, every=FORGET_EVERY)


def schedule_periodic() -> bool:
    """The worker calls this at start-up: one run waiting, whatever happened before."""
    return keep_one_waiting(forget_old_rate_counts)
