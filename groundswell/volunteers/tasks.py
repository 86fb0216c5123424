"""The volunteers' background work, both periodic (lib/periodic.py)."""

from __future__ import annotations

from datetime import timedelta

from groundswell.lib.periodic import periodic
from groundswell.notifications.owed import unless_mail_is_down

from . import decide, telling

DECIDE_EVERY = timedelta(milliseconds=500)


@periodic(every=DECIDE_EVERY, batch=decide.BATCH)
def decide_signups() -> int:
    """A place or the waitlist for a batch of new volunteer sign-ups, then a batch of the
    emails saying which (decide.py, telling.py); the larger batch's size.

    One task, so that a decision's email follows it within the same run. The sending runs
    after the deciding has committed, and a mail server out of reach only pauses it
    (notifications/owed.py): the deciding goes on at its pace, the rows keep owing."""
    decided = decide.decide_waiting()
    return max(decided, unless_mail_is_down("volunteer decision emails", telling.tell_decided))


@periodic(every=timedelta(minutes=5), batch=decide.BATCH)
def remind_volunteers() -> int:
    """Email each confirmed volunteer the day before their shift."""
    return decide.remind_due()
