"""The worker's half of an RSVP: a place or the waiting list, and everything after.

    new ─▶ going ─────────────▶ cancelled (by the person, from their email)
     │       ▲                      ▲
     └─▶ waitlisted ─(a place frees)┘
               └──────────────────────┘

`decide_waiting` takes RSVPs in the order they arrived. For each, under a lock on its
event (PostgreSQL; SQLite's one writer serialises anyway): the supporter found or created
by address, whoever's share link brought them credited, the consents recorded, then a place
if one is free and nobody waits before them, else the waiting list; the email says which.
`fill_places` moves people up the waiting list as places free (a cancellation, a larger
capacity), each emailed. `remind_due` emails everyone with a place the day before.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from groundswell.lib import leases, worklog
from groundswell.referrals.models import ShareToken
from groundswell.supporters.models import Consent, Purpose, Supporter
from groundswell.supporters.services import find_or_create_supporter, new_consent

from . import emails
from .models import Attendance, AttendanceState, Event, EventState

BATCH = 200
REMIND_BEFORE = timedelta(hours=24)


def decide_waiting(limit: int = BATCH) -> int:
    """Decide up to `limit` new RSVPs, oldest first; how many were decided."""
    ids = list(
        Attendance.objects.filter(state=AttendanceState.NEW)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    done = sum(decide_one(pk) for pk in ids)
    worklog.did("decided", done, "RSVPs")
    return len(ids)


def decide_one(pk: int) -> int:
    with transaction.atomic():
        row = (
            Attendance.objects.select_for_update().filter(pk=pk, state=AttendanceState.NEW).first()
        )
        if row is None:  # decided by another run, or erased
            return 0
        event = (
            Event.objects.select_for_update().select_related("organisation").get(pk=row.event_id)
        )
        row.event = event
        supporter = find_or_create_supporter(
            event.organisation,
            email=row.email,
            email_key=row.email_key,
            given_name=row.given_name,
            family_name=row.family_name,
        )
        referrer = _referrer(row, supporter)
        now = timezone.now()
        if event.state == EventState.CANCELLED or event.ends_at <= now:
            state = AttendanceState.CANCELLED
        elif _has_room(event) and not _queue(event).exists():
            state = AttendanceState.GOING
        else:
            state = AttendanceState.WAITLISTED
        updates = _consents(row, event, supporter)
        row.updates_consent = updates if updates.granted else None
        Attendance.objects.filter(pk=row.pk).update(
            supporter=supporter,
            referred_by=referrer,
            state=state,
            decided_at=now,
            placed_at=now if state == AttendanceState.GOING else None,
            cancelled_at=now if state == AttendanceState.CANCELLED else None,
            updates_consent=row.updates_consent,
        )
        row.state, row.supporter, row.referred_by = state, supporter, referrer
        if state == AttendanceState.GOING:
            emails.send_place(row)
        elif state == AttendanceState.WAITLISTED:
            emails.send_waitlisted(row)
        else:
            emails.send_event_cancelled(row)
    return 1


def _queue(event: Event) -> QuerySet[Attendance]:
    return Attendance.objects.filter(event=event, state=AttendanceState.WAITLISTED)


def _has_room(event: Event) -> bool:
    if not event.capacity:
        return True
    return Attendance.objects.filter(event=event, state=AttendanceState.GOING).count() < (
        event.capacity
    )


def _consents(row: Attendance, event: Event, supporter: Supporter) -> Consent:
    """As a signature does: the event's own consent (given with the RSVP, so it holds at
    once) and the answer about updates, returned: a "yes" holds only once the person
    confirms it from the place or waiting-list email (services.confirm_updates)."""
    source = row.source_url or f"{event.get_absolute_url()}"
    channel = str(row.referrer_data.get("source", ""))
    attend = new_consent(
        supporter.pk,
        purpose=Purpose.EVENT,
        wording=event.consent_wording,
        granted=True,
        source_url=source,
        channel=channel,
    )
    attend.confirmed_at = row.created_at
    updates = new_consent(
        supporter.pk,
        purpose=Purpose.UPDATES,
        wording=event.updates_wording,
        granted=row.wants_updates,
        source_url=source,
        channel=channel,
    )
    # Both backends hand back the new ids, so the RSVP can name its "yes" to confirm.
    Consent.objects.bulk_create([attend, updates])
    return updates


def _referrer(row: Attendance, supporter: Supporter) -> Supporter | None:
    """The holder of the share link the person came by: an attendee's link for an event of
    the same organisation, or a signer's. Nobody is credited for their own RSVP."""
    token = row.referral_token[:32]
    if not token:
        return None
    found = (
        Attendance.objects.filter(organisation_id=row.organisation_id, share_token=token)
        .values_list("supporter_id", flat=True)
        .first()
    ) or (
        ShareToken.objects.filter(petition__organisation_id=row.organisation_id, token=token)
        .values_list("supporter_id", flat=True)
        .first()
    )
    if not found or found == supporter.pk:
        return None
    return Supporter.objects.filter(pk=found, erased_at__isnull=True).first()


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
            .order_by("decided_at", "pk")
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
