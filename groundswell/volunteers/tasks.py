"""The volunteers' background work, both periodic (lib/periodic.py)."""

from __future__ import annotations

from datetime import timedelta

from groundswell.lib.periodic import periodic

from . import decide, telling

DECIDE_EVERY = timedelta(milliseconds=500)


@periodic(every=DECIDE_EVERY, batch=decide.BATCH)
def decide_signups() -> int:
    """A place or the waitlist for a batch of new volunteer sign-ups, then a batch of the
    emails saying which (decide.py, telling.py); the larger batch's size.

    One task, so that a decision's email follows it within the same run. The sending runs
    after the deciding has committed: a mail server that fails fails this run (the next
    one backs off, lib/periodic.py) but never undoes a decision, and nothing is lost."""
    return max(decide.decide_waiting(), telling.tell_decided())


@periodic(every=timedelta(minutes=5), batch=decide.BATCH)
def remind_volunteers() -> int:
    """Email each confirmed volunteer the day before their shift."""
    return decide.remind_due()
