"""The verbs of events: the staff's writes and the attendee's own cancellation.

Each checks access, writes with `update_fields` (or a conditional UPDATE), records the
audit entry and queues the emails, or the notice to everyone coming (notices.py), in the
same transaction (so they go exactly when the change is stored). Moving people up a
waiting list is the worker's (decisions.py).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.accounts.access import require
from groundswell.accounts.models import Membership
from groundswell.audit.services import diff, record
from groundswell.safety import services as safety
from groundswell.supporters.models import Consent, ConsentWording

from . import emails, notices
from .models import ANSWERED, Attendance, AttendanceState, Event, EventState

DEFAULT_CONSENT = _(
    "I am coming to this event. The organisers keep my name and email address to manage "
    "the places, send me the details and a reminder, and tell me of any change."
)
DEFAULT_UPDATES = _("Keep me updated about this campaign and the organisation's work by email.")

EVENT_FIELDS = (
    "campaign", "title", "description", "kind", "venue", "online_url", "starts_at",
    "ends_at", "time_zone", "capacity",
)  # fmt: skip
# A change to any of these is news for everyone coming (and a new SEQUENCE in iCalendar).
TOLD_FIELDS = ("title", "kind", "venue", "online_url", "starts_at", "ends_at", "time_zone")
EVENT_TEXT = ("title", "description", "venue")


def event_text(event: Event) -> str:
    return "\n\n".join(part for part in (getattr(event, f) for f in EVENT_TEXT) if part)


def _gate(membership: Membership, event: Event, reason: str) -> None:
    """An event's words pass the safety gate whenever they are written, also under a draft
    campaign: the campaign going live later publishes its events without reading them."""
    safety.gate(membership, "event", event, event_text(event), reason=reason)


def _wording(organisation: Any, text: str) -> ConsentWording:
    wording = ConsentWording.objects.filter(organisation=organisation, text=text).first()
    return wording or ConsentWording.objects.create(organisation=organisation, text=text)


@transaction.atomic
def create_event(membership: Membership, data: dict[str, Any], *, safety_reason: str = "") -> Event:
    require(membership, "content.write")
    organisation = membership.organisation
    if data["campaign"].organisation_id != organisation.pk:
        raise ValidationError({"campaign": _("Choose one of your organisation's campaigns.")})
    event = Event(organisation=organisation)
    for name in EVENT_FIELDS:
        if name in data:
            setattr(event, name, data[name])
    event.consent_wording = _wording(organisation, " ".join(str(DEFAULT_CONSENT).split()))
    event.updates_wording = _wording(organisation, " ".join(str(DEFAULT_UPDATES).split()))
    event.save()
    _gate(membership, event, safety_reason)  # a refusal rolls the row back
    record(
        organisation=organisation,
        actor=membership.user,
        action="event.create",
        target=event,
        summary=_("Created event #%(id)s") % {"id": event.pk},
    )
    return event


@transaction.atomic
def update_event(
    membership: Membership, event: Event, data: dict[str, Any], *, safety_reason: str = ""
) -> Event:
    """Change an event; if its time or place changed, everyone coming is told (notices.py:
    a few minutes later, once, however many saves the change took)."""
    require(membership, "content.write")
    event = Event.objects.select_for_update().select_related("organisation").get(pk=event.pk)
    if "campaign" in data and data["campaign"].organisation_id != event.organisation_id:
        raise ValidationError({"campaign": _("Choose one of your organisation's campaigns.")})

    def snapshot() -> dict[str, Any]:
        values = {name: getattr(event, name) for name in EVENT_FIELDS if name != "campaign"}
        values["campaign"] = event.campaign_id
        return values

    before = snapshot()
    for name in EVENT_FIELDS:
        if name in data:
            setattr(event, name, data[name])
    changes = diff(before, snapshot())
    if not changes:
        return event
    told = event.state == EventState.SCHEDULED and any(name in changes for name in TOLD_FIELDS)
    if told:
        event.sequence += 1
    event.save(update_fields=[*EVENT_FIELDS, "sequence", "updated_at"])
    _gate(membership, event, safety_reason)
    record(
        organisation=event.organisation,
        actor=membership.user,
        action="event.change",
        target=event,
        summary=_("Changed event #%(id)s") % {"id": event.pk},
        changes={k: [str(v[0]), str(v[1])] for k, v in changes.items()},
    )
    if told:
        notices.notice_change(event)
    return event


@transaction.atomic
def cancel_event(membership: Membership, event: Event) -> bool:
    """The organiser calls it off: everyone with a place or on the list is told, once
    (notices.py sends it in steps)."""
    require(membership, "content.write")
    if not Event.objects.filter(pk=event.pk, state=EventState.SCHEDULED).update(
        state=EventState.CANCELLED, sequence=event.sequence + 1, updated_at=timezone.now()
    ):
        return False
    event.refresh_from_db()
    record(
        organisation=event.organisation,
        actor=membership.user,
        action="event.cancel",
        target=event,
        summary=_("Cancelled event #%(id)s") % {"id": event.pk},
    )
    notices.notice_cancel(event)
    return True


def cancel_attendance(attendance: Attendance) -> bool:
    """The person frees their place (or leaves the list), from their email; once.

    The next on the waiting list gets the place from the worker (waitlist.fill_places).
    """
    with transaction.atomic():
        done = Attendance.objects.filter(
            pk=attendance.pk, state__in=(*ANSWERED, AttendanceState.NEW)
        ).update(state=AttendanceState.CANCELLED, cancelled_at=timezone.now())
        if done and attendance.email:
            emails.send_cancelled(attendance)
    return bool(done)


def confirm_updates(attendance: Attendance) -> bool:
    """Double opt-in for the "keep me updated" ticked with an RSVP, as a signature's link
    gives it: the link came in the email to the address, so the address is the person's.
    The consent row the worker wrote keeps its wording, source and time of asking, and gets
    its `confirmed_at`; an erased person's, a withdrawn or an expired one never does.
    True if this call confirmed it."""
    if not attendance.updates_consent_id:
        return False
    return bool(
        Consent.objects.filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()),
            pk=attendance.updates_consent_id,
            granted=True,
            confirmed_at__isnull=True,
            withdrawn_at__isnull=True,
            supporter__erased_at__isnull=True,
        ).update(confirmed_at=timezone.now())
    )


def updates_confirmed(attendance: Attendance) -> bool:
    if not attendance.updates_consent_id:
        return False
    return Consent.objects.filter(
        pk=attendance.updates_consent_id, confirmed_at__isnull=False
    ).exists()


def check_in(membership: Membership, attendance: Attendance, *, arrived: bool) -> None:
    """At the door: mark someone arrived (or undo a mistaken tick)."""
    require(membership, "supporters.read")
    Attendance.objects.filter(pk=attendance.pk, event__organisation=membership.organisation).update(
        checked_in_at=timezone.now() if arrived else None
    )
