"""OSDI events and attendances, and the Record Attendance Helper.

Reads and the helper need the organisation's token. The helper takes an RSVP in through the
same path as the public form (events/intake.py: one INSERT, the worker decides a place or
the waiting list and emails the person), so it is idempotent for a person: the same address
for the same event is the same attendance, answered 200 rather than 201 the second time.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router
from ninja.params import functions as param_functions
from pydantic import Field
from pydantic import ValidationError as PydanticError

from groundswell.events import intake
from groundswell.events.models import Attendance, AttendanceState, Event, EventKind

from . import access, helper, osdi
from .donations import _person
from .helper import PersonIn, ReferrerDataIn, _Lenient, most, storable
from .models import ApiToken

router = Router(tags=["OSDI events"])
Page = param_functions.Query(1, ge=1, le=1_000_000)
PerPage = param_functions.Query(osdi.DEFAULT_PER_PAGE, ge=1, le=10_000)

# Groundswell's states as OSDI attendance statuses (the ours stay in groundswell:status).
STATUS = {
    AttendanceState.NEW: "needs action",
    AttendanceState.GOING: "accepted",
    AttendanceState.WAITLISTED: "tentative",
    AttendanceState.CANCELLED: "declined",
}


class RecordAttendanceHelperIn(_Lenient):
    person: PersonIn
    identifiers: list[Annotated[str, most(255), storable]] = Field(
        default_factory=list, max_length=20
    )
    referrer_data: ReferrerDataIn | None = None


def _events(token: ApiToken) -> Any:
    return (
        Event.objects.filter(organisation_id=token.organisation_id)
        .select_related("organisation", "campaign")
        .order_by("pk")
    )


def event_resource(event: Event) -> osdi.Json:
    location: osdi.Json = (
        {"venue": event.venue} if event.kind == EventKind.PHYSICAL else {"venue": "Online"}
    )
    return {
        "identifiers": osdi.identifiers(event),
        "origin_system": osdi.ORIGIN,
        "created_date": osdi.stamp(event.created_at),
        "modified_date": osdi.stamp(event.updated_at),
        "title": event.title,
        "description": event.description,
        "browser_url": settings.SITE_URL + event.get_absolute_url(),
        "start_date": osdi.stamp(event.starts_at),
        "end_date": osdi.stamp(event.ends_at),
        "status": "cancelled" if event.cancelled else "confirmed",
        "type": "open",
        "capacity": event.capacity or None,
        "location": location,
        "instructions": "",
        "groundswell:time_zone": event.time_zone,
        "groundswell:online": event.kind == EventKind.ONLINE,
        "_links": {
            "self": osdi.link("event", event_id=event.pk),
            "osdi:attendances": osdi.link("event_attendances", event_id=event.pk),
            "osdi:record_attendance_helper": osdi.link(
                "record_attendance_helper", event_id=event.pk
            ),
        },
    }


def attendance_resource(row: Attendance) -> osdi.Json:
    return {
        "identifiers": [*osdi.identifiers(row), *([row.external_id] if row.external_id else [])],
        "origin_system": osdi.ORIGIN,
        "created_date": osdi.stamp(row.created_at),
        "modified_date": osdi.stamp(row.decided_at or row.created_at),
        "status": STATUS[AttendanceState(row.state)],
        "attended": row.checked_in_at is not None,
        "referrer_data": {k: v for k, v in row.referrer_data.items() if k != "referrer"},
        "groundswell:status": row.state,
        "_links": {
            "self": osdi.link("attendance", event_id=row.event_id, attendance_id=row.pk),
            "osdi:event": osdi.link("event", event_id=row.event_id),
            **(
                {"osdi:person": osdi.link("person", person_id=row.supporter_id)}
                if row.supporter_id
                else {}
            ),
        },
    }


@router.get("/events", url_name="events", summary="This organisation's events")
def events(request: HttpRequest, page: int = Page, per_page: int = PerPage) -> osdi.Json:
    rows, current = osdi.paginate(
        _events(access.request_token(request)), page=page, per_page=per_page
    )
    return osdi.collection("osdi:events", [event_resource(e) for e in rows], current, "events")


@router.get("/events/{int:event_id}", url_name="event", summary="One event")
def event(request: HttpRequest, event_id: int) -> osdi.Json:
    return event_resource(get_object_or_404(_events(access.request_token(request)), pk=event_id))


@router.get(
    "/events/{int:event_id}/attendances",
    url_name="event_attendances",
    summary="An event's attendances",
)
def event_attendances(
    request: HttpRequest, event_id: int, page: int = Page, per_page: int = PerPage
) -> osdi.Json:
    found = get_object_or_404(_events(access.request_token(request)), pk=event_id)
    rows, current = osdi.paginate(
        Attendance.objects.filter(event=found).order_by("pk"), page=page, per_page=per_page
    )
    return osdi.collection(
        "osdi:attendances",
        [attendance_resource(row) for row in rows],
        current,
        "event_attendances",
        event_id=found.pk,
    )


@router.get(
    "/events/{int:event_id}/attendances/{int:attendance_id}",
    url_name="attendance",
    summary="One attendance",
)
def attendance(request: HttpRequest, event_id: int, attendance_id: int) -> osdi.Json:
    found = get_object_or_404(_events(access.request_token(request)), pk=event_id)
    return attendance_resource(get_object_or_404(Attendance, event=found, pk=attendance_id))


@router.post(
    "/events/{int:event_id}/record_attendance_helper",
    url_name="record_attendance_helper",
    summary="Record Attendance Helper: RSVP a person to an event",
)
def record_attendance_helper(request: HttpRequest, event_id: int) -> HttpResponse:
    found = get_object_or_404(_events(access.request_token(request)), pk=event_id)
    data = helper.read_json(request)
    try:
        payload = RecordAttendanceHelperIn.model_validate(data)
    except PydanticError as exc:
        raise osdi.ApiError(400, [helper._explain(p) for p in exc.errors()]) from None
    if not found.taking_rsvps:
        raise osdi.ApiError.one(
            409,
            "EVENT_CLOSED",
            _("This event is over or cancelled, so it takes no more RSVPs."),
        )
    person = _person(payload.person)
    referrer = payload.referrer_data or ReferrerDataIn()
    external = next((i.strip() for i in payload.identifiers if ":" in i), "")
    taken = intake.take(
        found,
        intake.RsvpRequest(
            email=person.email,
            given_name=person.given_name,
            family_name=person.family_name,
            referral_token=(referrer.referrer or "").strip(),
            referrer_data={
                "source": (referrer.source or "").strip() or "osdi",
                "referrer": (referrer.referrer or "").strip(),
                "website": (referrer.website or "").strip(),
            },
            source_url=(referrer.url or "").strip(),
            external_id=external[:255],
        ),
    )
    row = Attendance.objects.get(token=taken.token)
    return JsonResponse(
        attendance_resource(row),
        status=201 if taken.created else 200,
        content_type=osdi.HAL_JSON,
    )
