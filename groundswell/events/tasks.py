"""The events app's background work, all periodic (lib/periodic.py)."""

from __future__ import annotations

from datetime import timedelta

from groundswell.lib.periodic import periodic

from . import decisions, notices


@periodic(every=timedelta(seconds=1), batch=decisions.BATCH)
def decide_rsvps() -> int:
    """A place or the waiting list for each new RSVP, and the email that says which."""
    return decisions.decide_waiting()


@periodic(every=timedelta(seconds=5), batch=decisions.BATCH)
def fill_event_places() -> int:
    """Move people up the waiting lists as places free."""
    return decisions.fill_places()


@periodic(every=timedelta(minutes=5), batch=decisions.BATCH)
def remind_attendees() -> int:
    """The day-before reminder to everyone with a place."""
    return decisions.remind_due()


@periodic(every=timedelta(seconds=5), batch=notices.NOTICE_BATCH)
def send_event_notices() -> int:
    """Tell everyone coming that an event changed or is cancelled, in resumable steps."""
    return notices.notice_step()
