"""The staff's pages: needs and their shifts, and the coordinator's list for the day
(printable, CSV) with check-in."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.accounts.access import require, staff_view
from groundswell.accounts.models import Membership
from groundswell.lib.csvcells import csv_cell
from groundswell.safety.forms import gate_errors, offer_override

from . import places, services
from .access import staff_need, staff_signup
from .forms import DayForm, NeedForm, ShiftForm, StatusForm
from .models import Need, Signup, SignupState
from .times import when

CSV_COLUMNS = (
    "shift_starts", "place", "state", "given_name", "family_name", "email", "phone", "brings",
    "checked_in_at",
)  # fmt: skip


@staff_view()
def needs(request: HttpRequest, membership: Membership) -> HttpResponse:
    organisation = membership.organisation
    form = NeedForm(request.POST or None, organisation=organisation)
    if request.method == "POST":
        require(membership, "content.write")
        typed = "\n\n".join(request.POST.get(n, "") for n in ("title", "description", "skills"))
        offer_override(form, typed, membership=membership)
        if form.is_valid():
            data = dict(form.cleaned_data)
            reason = data.pop("safety_reason", "") or ""
            try:
                need = services.create_need(membership, data, safety_reason=reason)
            except ValidationError as error:
                form.add_error(None, gate_errors(error, form))
            else:
                messages.success(
                    request, _("The need is saved as a draft: add its shifts, then open it.")
                )
                return redirect("volunteers:staff_need", org=organisation.slug, need_id=need.pk)
    return render(
        request,
        "volunteers/staff_needs.html",
        {
            "form": form,
            "needs": Need.objects.for_organisation(organisation).order_by("-created_at"),
        },
        status=400 if form.errors else 200,
    )


@staff_view()
def need(request: HttpRequest, membership: Membership, need_id: int) -> HttpResponse:
    found = staff_need(membership, need_id)
    form = ShiftForm(request.POST or None, need=found)
    if request.method == "POST":
        require(membership, "content.write")
        offer_override(form, request.POST.get("place", ""), membership=membership)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.add_shift(
                    membership, found, starts_at=data["starts_at"], ends_at=data["ends_at"],
                    place=data["place"], slots=data["slots"],
                    safety_reason=data.get("safety_reason") or "",
                )  # fmt: skip
            except ValidationError as error:
                form.add_error(None, gate_errors(error, form))
            else:
                messages.success(request, _("The shift is added."))
                return redirect(
                    "volunteers:staff_need", org=membership.organisation.slug, need_id=found.pk
                )
    missing = places.missing(found)
    for row in missing.shifts:
        row.shift.need = found
    return render(
        request,
        "volunteers/staff_need.html",
        {
            "need": found,
            "form": form,
            "missing": missing,
            "shifts": [
                (row, when(row.shift), timezone.localtime(row.shift.starts_at, found.zone).date())
                for row in missing.shifts
            ],
        },
        status=400 if form.errors else 200,
    )


@staff_view("content.write")
def need_status(request: HttpRequest, membership: Membership, need_id: int) -> HttpResponse:
    found = staff_need(membership, need_id)
    form = StatusForm(request.POST)
    if request.method != "POST" or not form.is_valid():
        return HttpResponse(_("Choose open or closed."), status=400, content_type="text/plain")
    if not services.set_need_status(membership, found, form.cleaned_data["status"]):
        messages.error(request, _("The need cannot move to that state from where it is."))
    return redirect("volunteers:staff_need", org=membership.organisation.slug, need_id=found.pk)


def _day(found: Need, request: HttpRequest) -> tuple[DayForm, date | None]:
    form = DayForm(request.GET or None)
    if request.GET and form.is_valid() and form.cleaned_data.get("day"):
        return form, form.cleaned_data["day"]
    if request.GET and form.errors:
        return form, None
    return form, timezone.localtime(timezone.now(), found.zone).date()


def _rows(found: Need, day: date) -> list[Signup]:
    """The day's confirmed and waitlisted volunteers, shift by shift (the need's own day)."""
    start = datetime.combine(day, time(0), tzinfo=found.zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=found.zone)
    rows = list(
        Signup.objects.filter(
            need=found,
            state__in=(SignupState.CONFIRMED, SignupState.WAITLISTED),
            shift__starts_at__gte=start,
            shift__starts_at__lt=end,
        )
        .select_related("shift")
        .order_by("shift__starts_at", "shift_id", "state", "given_name", "pk")
    )
    for row in rows:
        row.shift.need = found
    return rows


@staff_view("supporters.read")
def day(request: HttpRequest, membership: Membership, need_id: int) -> HttpResponse:
    found = staff_need(membership, need_id)
    form, chosen = _day(found, request)
    rows = _rows(found, chosen) if chosen else []
    response = render(
        request,
        "volunteers/staff_day.html",
        {
            "need": found,
            "form": form,
            "day": chosen,
            "rows": [(row, when(row.shift)) for row in rows],
            "query": request.GET.urlencode(),
        },
        status=400 if chosen is None else 200,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@staff_view("supporters.read")
def day_csv(request: HttpRequest, membership: Membership, need_id: int) -> HttpResponse:
    found = staff_need(membership, need_id)
    _form, chosen = _day(found, request)
    if chosen is None:
        return HttpResponse(_("Give a real day."), status=400, content_type="text/plain")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in _rows(found, chosen):
        values = [
            timezone.localtime(row.shift.starts_at, found.zone).isoformat(),
            row.shift.place,
            row.state,
            row.given_name,
            row.family_name,
            row.email,
            row.phone,
            "; ".join(row.skills or []),
            row.checked_in_at.isoformat() if row.checked_in_at else "",
        ]
        writer.writerow([csv_cell(value) for value in values])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"volunteers-{membership.organisation.slug}-{found.pk}-{chosen:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@staff_view("supporters.read")
def check_in(request: HttpRequest, membership: Membership, signup_id: int) -> HttpResponse:
    signup = staff_signup(membership, signup_id)
    if request.method != "POST":
        return HttpResponse(
            _("Check in with the form's button."), status=405, content_type="text/plain"
        )
    if not services.check_in(membership, signup):
        messages.error(request, _("Only a volunteer with a place can be checked in, once."))
    starts = timezone.localtime(signup.shift.starts_at, signup.shift.need.zone).date()
    url = redirect("volunteers:staff_day", org=membership.organisation.slug, need_id=signup.need_id)
    url["Location"] += f"?day_day={starts.day}&day_month={starts.month}&day_year={starts.year}"
    return url
