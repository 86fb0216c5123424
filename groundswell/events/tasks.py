"""The events app's background work, all periodic (lib/periodic.py)."""

from __future__ import annotations

from datetime import timedelta

from groundswell.lib.periodic import periodic
from groundswell.notifications.owed import unless_mail_is_down

from . import decisions, letters, notices, waitlist


@periodic(every=timedelta(seconds=1), batch=decisions.BATCH)
def decide_rsvps() -> int:
    """A place or the waiting list for each new RSVP (in chunks), then the emails that say
    which, in batches: one task, so that a decision's email follows it in the same turn
    and only one sender at a time reads the rows that owe one. A mail server out of reach
    pauses the sending only (notifications/owed.py); the deciding goes on."""
    decided = decisions.decide_waiting()
    # A full batch of either means more may wait: the turn goes on.
    told = unless_mail_is_down("RSVP decision emails", letters.tell_decided)
    return max(decided, told * decisions.BATCH // letters.TELL_BATCH)


@periodic(every=timedelta(seconds=5), batch=decisions.BATCH)
def fill_event_places() -> int:
    """Move people up the waiting lists as places free."""
    return waitlist.fill_places()


@periodic(every=timedelta(minutes=5), batch=decisions.BATCH)
def remind_attendees() -> int:
    """The day-before reminder to everyone with a place."""
    return waitlist.remind_due()


@periodic(every=timedelta(seconds=5), batch=notices.NOTICE_BATCH)
def send_event_notices() -> int:
    """Tell everyone coming that an event changed or is cancelled, in resumable steps."""
    return notices.notice_step()
