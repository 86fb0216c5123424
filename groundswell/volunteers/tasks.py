"""The volunteers' background work, both periodic (lib/periodic.py)."""

from __future__ import annotations

from datetime import timedelta

from groundswell.lib.periodic import periodic

from . import decide

DECIDE_EVERY = timedelta(milliseconds=500)


@periodic(every=DECIDE_EVERY, batch=decide.BATCH)
def decide_signups() -> int:
    """A place or the waitlist for each new volunteer sign-up, emailed."""
    return decide.decide_waiting()


@periodic(every=timedelta(minutes=5), batch=decide.BATCH)
def remind_volunteers() -> int:
    """Email each confirmed volunteer the day before their shift."""
    return decide.remind_due()
