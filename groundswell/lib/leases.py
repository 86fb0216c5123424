"""Leases, retries and back-off for rows that workers claim (conventions, habits 6 and 10).

A worker claims a row with one conditional UPDATE that counts the attempt and moves the row's
`next_attempt_at` a lease ahead (`claim`): two workers cannot both win it, and a worker that
dies holding it leaves a row that a sweep hands out again once the lease runs out. When an
attempt fails, `Retry.next_attempt` says when to try again, or None once every attempt is
used up. `Breaker` pauses a destination that keeps failing, for everyone. Work that one
worker at a time may do (a periodic task's run) holds a named lease instead: `take`, `renew`
and `release` on a row with `holder` and `until`.

Every lease and retry reads the one clock here, `now()`; tests set it with the `clock`
fixture (conftest.py) to walk through two days of back-off in a second.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F, Model, Q, QuerySet
from django.utils import timezone

clock: Callable[[], datetime] = timezone.now


def now() -> datetime:
    """The time for leases and retries: `clock()`, which tests replace."""
    return clock()


@dataclass(frozen=True)
class Retry:
    """How long a claim holds, and the waits between attempts.

    `waits[n - 1]` is the wait after the n-th attempt failed; after `len(waits) + 1`
    attempts there is no other.
    """

    lease: timedelta
    waits: tuple[timedelta, ...]

    @property
    def attempts(self) -> int:
        """How many attempts a row gets in all."""
        return len(self.waits) + 1

    def has_attempts_left(self) -> Q:
        """Rows with an attempt left (for a filter on a model with an `attempts` field)."""
        return Q(attempts__lt=self.attempts)

    def next_attempt(self, attempts_made: int, moment: datetime) -> datetime | None:
        """When to try again after attempt number `attempts_made` failed; None if never."""
        if attempts_made >= self.attempts:
            return None
        return moment + self.waits[max(attempts_made, 1) - 1]

    def expired_claims(self, moment: datetime) -> datetime:
        """Rows claimed before this time (a `claimed_at`) are no longer held by anyone."""
        return moment - self.lease


def claim[M: Model](rows: QuerySet[M], retry: Retry, moment: datetime, **fields: Any) -> bool:
    """Claim what `rows` selects with one conditional UPDATE; True if this worker won it.

    `rows` must say what the caller saw (its state, its attempts, its `next_attempt_at`):
    the UPDATE then finds nothing when another worker moved the row first. The row's
    `attempts` count goes up by one and its `next_attempt_at` moves a lease ahead; `fields`
    are set too (a state that marks the claim, say).
    """
    taken = rows.update(attempts=F("attempts") + 1, next_attempt_at=moment + retry.lease, **fields)
    return bool(taken)


@dataclass(frozen=True)
class Breaker:
    """A circuit breaker: after `threshold` failures in a row a destination is paused for
    `pause`, doubled for each further failure while half-open, up to `max_pause`."""

    threshold: int
    pause: timedelta
    max_pause: timedelta

    def pause_for(self, consecutive_failures: int) -> timedelta | None:
        """How long to pause after this many failures in a row; None while under threshold."""
        if consecutive_failures < self.threshold:
            return None
        extra = consecutive_failures - self.threshold
        return min(self.pause * (1 << extra), self.max_pause)


# Named leases: a row with a `holder` (who) and an `until` (how long), for work that one
# worker at a time may do, such as a periodic task's run (lib/periodic.py).


def take[M: Model](rows: QuerySet[M], holder: str, moment: datetime, lease: timedelta) -> bool:
    """Take the lease on what `rows` selects unless someone else holds it; True if taken.

    One conditional UPDATE: free (never held, let go, or run out) or already ours. Of two
    workers taking it at once, the database lets one UPDATE match and the other find the
    row held.
    """
    free = Q(until__isnull=True) | Q(until__lte=moment) | Q(holder=holder)
    return bool(rows.filter(free).update(holder=holder, until=moment + lease))


def renew[M: Model](rows: QuerySet[M], holder: str, moment: datetime, lease: timedelta) -> bool:
    """Hold our lease for `lease` more; False if it is no longer ours (it ran out and was
    taken)."""
    return bool(rows.filter(holder=holder).update(until=moment + lease))


def release[M: Model](rows: QuerySet[M], holder: str, **fields: Any) -> bool:
    """Let our lease go, setting `fields` in the same UPDATE; False if it was not ours."""
    return bool(rows.filter(holder=holder).update(holder="", until=None, **fields))
