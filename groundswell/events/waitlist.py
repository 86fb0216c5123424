"""After an RSVP is decided (decisions.py): the waiting list moves up as places free, and
everyone with a place is reminded the day before.

`fill_places` gives freed places (a cancellation, a larger capacity) in the order people
answered, each emailed; `remind_due` emails each attendee once, the day before.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from groundswell.lib import leases, worklog

from . import emails
from .decisions import BATCH
from .models import Attendance, AttendanceState, Event, EventState

REMIND_BEFORE = timedelta(hours=24)


def fill_places(limit: int = BATCH) -> int:
    """Give freed places to the waiting list, first come first served; how many moved."""
    now = timezone.now()
    events = list(
        Event.objects.filter(
            state=EventState.SCHEDULED,
            ends_at__gt=now,
            attendances__state=AttendanceState.WAITLISTED,
        )
        .values_list("pk", flat=True)
        .distinct()[:limit]
    )
    moved = sum(_fill(pk) for pk in events)
    worklog.did("moved up", moved, "people")
    return moved


def _fill(event_id: int) -> int:
    with transaction.atomic():
        event = Event.objects.select_for_update().select_related("organisation").get(pk=event_id)
        going = Attendance.objects.filter(event=event, state=AttendanceState.GOING).count()
        free = None if not event.capacity else max(0, event.capacity - going)
        waiting = (
            Attendance.objects.select_for_update()
            .filter(event=event, state=AttendanceState.WAITLISTED)
            # A chunk decides many rows at one moment, in the order they arrived: that
            # order, not the id (a person who cancelled and answered again keeps theirs).
            .order_by("decided_at", "created_at", "pk")
        )
        chosen = list(waiting if free is None else waiting[:free])
        now = timezone.now()
        for row in chosen:
            Attendance.objects.filter(pk=row.pk, state=AttendanceState.WAITLISTED).update(
                state=AttendanceState.GOING, placed_at=now
            )
            row.state, row.event = AttendanceState.GOING, event
            if row.email:
                emails.send_moved_up(row)
    return len(chosen)


def remind_due(limit: int = BATCH) -> int:
    """Email everyone with a place at an event starting within a day; each once."""
    now = leases.now()
    due = list(
        Attendance.objects.filter(
            state=AttendanceState.GOING,
            reminded_at__isnull=True,
            event__state=EventState.SCHEDULED,
            event__starts_at__gt=now,
            event__starts_at__lte=now + REMIND_BEFORE,
        )
        .exclude(email="")
        .select_related("event__organisation")[:limit]
    )
    sent = 0
    for row in due:
        with transaction.atomic():
            claimed = Attendance.objects.filter(pk=row.pk, reminded_at__isnull=True).update(
                reminded_at=timezone.now()
            )
            if claimed:
                emails.send_reminder(row)
                sent += 1
    worklog.did("reminded", sent, "attendees")
    return len(due)
