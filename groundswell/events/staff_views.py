"""Staff pages of events: the list, the event form, calling it off, and the list for the
door (printable, CSV) with check-in."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from groundswell.accounts.access import require, staff_view
from groundswell.accounts.models import Membership
from groundswell.lib.csvcells import csv_cell
from groundswell.safety.forms import gate_errors, offer_override

from . import services
from .access import access_event
from .forms import CheckInForm, EventForm
from .models import Attendance, AttendanceState, Event, EventState

CSV_COLUMNS = ("given_name", "family_name", "email", "state", "answered_at", "checked_in_at")


@staff_view()
def staff_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    events = (
        Event.objects.for_organisation(membership.organisation)
        .select_related("campaign")
        .annotate(
            going=Count("attendances", filter=Q(attendances__state=AttendanceState.GOING)),
            waiting=Count("attendances", filter=Q(attendances__state=AttendanceState.WAITLISTED)),
        )
        .order_by("-starts_at")
    )
    return render(request, "events/staff_list.html", {"events": events})


def _edit(request: HttpRequest, membership: Membership, event: Event | None) -> HttpResponse:
    editing = request.method == "POST"
    form = EventForm(
        request.POST if editing else None, instance=event, organisation=membership.organisation
    )
    if editing:
        require(membership, "content.write")
        typed = "\n\n".join(request.POST.get(name, "") for name in services.EVENT_TEXT)
        offer_override(form, typed, membership=membership)
        if form.is_valid():
            data = dict(form.cleaned_data)
            reason = data.pop("safety_reason", "") or ""
            try:
                if event is None:
                    event = services.create_event(membership, data, safety_reason=reason)
                    messages.success(request, _("Event created."))
                else:
                    event = services.update_event(membership, event, data, safety_reason=reason)
                    messages.success(
                        request,
                        _(
                            "Event saved. If the time or place changed, everyone coming "
                            "is told by email."
                        ),
                    )
            except ValidationError as error:
                form.add_error(None, gate_errors(error, form))
            else:
                return redirect(
                    "events:staff_edit", org=membership.organisation.slug, event_id=event.pk
                )
        if event is not None:
            event.refresh_from_db()
    return render(
        request,
        "events/staff_edit.html",
        {"form": form, "event": event},
        status=400 if form.errors else 200,
    )


@staff_view()
def staff_new(request: HttpRequest, membership: Membership) -> HttpResponse:
    require(membership, "content.write")
    return _edit(request, membership, None)


@staff_view()
def staff_edit(request: HttpRequest, membership: Membership, event_id: int) -> HttpResponse:
    return _edit(request, membership, access_event(membership, event_id))


@require_POST
@staff_view("content.write")
def staff_cancel(request: HttpRequest, membership: Membership, event_id: int) -> HttpResponse:
    event = access_event(membership, event_id)
    if services.cancel_event(membership, event):
        messages.success(
            request, _("The event is cancelled; everyone who answered is told by email.")
        )
    return redirect("events:staff_edit", org=membership.organisation.slug, event_id=event.pk)


def _attendees(event: Event) -> list[Attendance]:
    return list(
        Attendance.objects.filter(
            event=event, state__in=(AttendanceState.GOING, AttendanceState.WAITLISTED)
        ).order_by("state", "family_name", "given_name", "pk")
    )


@staff_view("supporters.read")
def staff_attendees(request: HttpRequest, membership: Membership, event_id: int) -> HttpResponse:
    """The list for the door: print it, or tick people off as they arrive (a plain form)."""
    event = access_event(membership, event_id)
    if request.method == "POST":
        form = CheckInForm(request.POST)
        if form.is_valid():
            row = get_object_or_404(
                Attendance,
                event=event,
                pk=form.cleaned_data["attendance"],
                state=AttendanceState.GOING,
            )
            services.check_in(membership, row, arrived=form.cleaned_data["arrived"])
            return redirect(f"{request.path}#attendee-{row.pk}")
        return HttpResponse(_("Choose someone on the list."), status=400, content_type="text/plain")
    rows = _attendees(event)
    going = [row for row in rows if row.state == AttendanceState.GOING]
    return render(
        request,
        "events/staff_attendees.html",
        {
            "event": event,
            "going": going,
            "waiting": [row for row in rows if row.state == AttendanceState.WAITLISTED],
            "arrived": sum(1 for row in going if row.checked_in_at),
            "cancelled": event.state == EventState.CANCELLED,
        },
    )


@staff_view("supporters.read")
def staff_attendees_csv(
    request: HttpRequest, membership: Membership, event_id: int
) -> HttpResponse:
    event = access_event(membership, event_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in _attendees(event):
        values = [
            row.given_name,
            row.family_name,
            row.email,
            row.state,
            row.created_at.isoformat(),
            row.checked_in_at.isoformat() if row.checked_in_at else "",
        ]
        writer.writerow([csv_cell(value) for value in values])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}-attendees.csv"'
    response["Cache-Control"] = "private, no-store"
    return response
