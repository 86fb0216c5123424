from __future__ import annotations

import csv
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from groundswell.accounts.access import staff_view
from groundswell.accounts.models import Membership
from groundswell.lib.csvcells import csv_cell

from . import services
from .access import access_entry, access_person
from .budget import status
from .forms import BudgetForm, EntryForm, WorkForm
from .models import Activity, TimeEntry
from .week import iso_week, parse_week, week_of


def _home(membership: Membership) -> HttpResponse:
    return redirect("timelog:home", org=membership.organisation.slug)


def _day_page(
    request: HttpRequest, membership: Membership, form: WorkForm | None = None
) -> HttpResponse:
    today = services.today(membership.organisation)
    entries = (
        TimeEntry.objects.for_person(membership.organisation_id, membership.user_id)
        .filter(date=today)
        .select_related("campaign")
    )
    context = {
        "form": form or WorkForm(organisation=membership.organisation),
        "timer": services.running_timer(membership),
        "entries": entries,
        "today": today,
        "day_status": status(membership),
    }
    # A form shown again with its errors is a refusal: 400 (R2), the GOV.UK page all the same.
    return render(
        request, "timelog/home.html", context, status=400 if form and form.errors else 200
    )


@staff_view()
def home(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The member's own day: the timer, today's entries and the budget."""
    return _day_page(request, membership)


@require_POST
@staff_view()
def timer_start(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = WorkForm(request.POST, organisation=membership.organisation)
    if form.is_valid():
        work = services.Work(
            activity=form.cleaned_data["activity"],
            campaign=form.cleaned_data["campaign"],
            channel=form.cleaned_data["channel"] or "",
        )
        try:
            services.start_timer(membership, work)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The timer is running. Stop it when you finish."))
            return _home(membership)
    return _day_page(request, membership, form)


@require_POST
@staff_view()
def timer_stop(request: HttpRequest, membership: Membership) -> HttpResponse:
    stopped = services.stop_timer(membership)
    if stopped is None:
        messages.info(request, _("No timer was running here; nothing was recorded."))
        return _home(membership)
    entry = stopped.entry
    if entry is None:
        messages.warning(
            request,
            _(
                "Nothing was recorded: that day already holds 24 hours of time logged. "
                "Correct the day's entries if that is not right."
            ),
        )
        return _home(membership)
    note = ngettext(
        "Recorded %(minutes)d minute of %(activity)s.",
        "Recorded %(minutes)d minutes of %(activity)s.",
        stopped.minutes,
    ) % {
        "minutes": stopped.minutes,
        "activity": entry.get_activity_display().lower(),
    }
    if len(stopped.entries) > 1:
        note += " " + _("The timer ran past midnight, so each day has its own entry.")
    if stopped.cut:
        note += " " + _(
            "The timer ran for more than 12 hours, so only 12 hours were recorded: "
            "change the entry if that is not right."
        )
    if stopped.trimmed:
        note += " " + _(
            "A day holds at most 24 hours, so only what was left of the day was recorded."
        )
    messages.success(request, note)
    return _home(membership)


PREFILLED = ("activity", "campaign", "minutes")


def _entry_page(
    request: HttpRequest, membership: Membership, entry: TimeEntry | None
) -> HttpResponse:
    initial: dict[str, Any] = {"date": services.today(membership.organisation)}
    # Opened prefilled from where the work was done (the listening board: "replying").
    initial |= {name: request.GET[name][:50] for name in PREFILLED if request.GET.get(name)}
    form = EntryForm(
        request.POST if request.method == "POST" else None,
        organisation=membership.organisation,
        initial=_entry_initial(entry) if entry else initial,
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["channel"] = data.get("channel") or ""
        try:
            if entry is None:
                services.add_entry(membership, data)
                messages.success(request, _("Time added."))
            else:
                services.change_entry(membership, entry, data)
                messages.success(request, _("Entry saved."))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _home(membership)
    context = {
        "form": form,
        "entry": entry,
        "mine": entry is None or entry.user_id == membership.user_id,
    }
    return render(request, "timelog/entry.html", context, status=400 if form.errors else 200)


def _entry_initial(entry: TimeEntry) -> dict[str, Any]:
    return {
        "date": entry.date,
        "minutes": entry.minutes,
        "activity": entry.activity,
        "campaign": entry.campaign_id,
        "channel": entry.channel,
    }


@staff_view()
def entry_new(request: HttpRequest, membership: Membership) -> HttpResponse:
    return _entry_page(request, membership, None)


@staff_view()
def entry(request: HttpRequest, membership: Membership, entry_id: int) -> HttpResponse:
    return _entry_page(request, membership, access_entry(membership, entry_id))


@staff_view()
def entry_delete(request: HttpRequest, membership: Membership, entry_id: int) -> HttpResponse:
    found = access_entry(membership, entry_id)
    if request.method == "POST":
        services.delete_entry(membership, found)
        messages.success(request, _("Entry deleted."))
        return _home(membership)
    return render(request, "timelog/delete.html", {"entry": found})


@staff_view()
def budget(request: HttpRequest, membership: Membership) -> HttpResponse:
    current = status(membership)
    if request.method == "POST" and request.POST.get("remove"):
        services.set_budget(membership, None)
        messages.success(request, _("Your daily budget is removed."))
        return _home(membership)
    form = BudgetForm(
        request.POST if request.method == "POST" else None,
        initial={"minutes": current.budget if current else None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.set_budget(membership, form.cleaned_data["minutes"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your daily budget is saved."))
            return _home(membership)
    return render(
        request,
        "timelog/budget.html",
        {"form": form, "current": current},
        status=400 if form.errors else 200,
    )


def _member_id(request: HttpRequest) -> int | str | None:
    raw = request.GET.get("member", "")
    if not raw:
        return None
    return int(raw) if raw.isdigit() and len(raw) < 12 else "bad"


@staff_view()
def week(request: HttpRequest, membership: Membership) -> HttpResponse:
    """One person's week: the member's own, or (owners only) a colleague's."""
    member_id = _member_id(request)
    monday = parse_week(request.GET.get("week"), services.today(membership.organisation))
    if member_id == "bad" or monday is None:
        return HttpResponseBadRequest(
            render(request, "timelog/bad_week.html", {}).content, content_type="text/html"
        )
    person = access_person(membership, member_id if isinstance(member_id, int) else None)
    shown = week_of(person, monday)
    context = {
        "week": shown,
        "person": person,
        "mine": person.pk == membership.pk,
        "previous": iso_week(monday - timedelta(days=7)),
        "next": iso_week(monday + timedelta(days=7)),
        "this_week": iso_week(monday),
    }
    return render(request, "timelog/week.html", context)


@staff_view("timelog.team")
def team(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Owners: each member's minutes this week against their budget."""
    from .team import team_week

    monday = parse_week(request.GET.get("week"), services.today(membership.organisation))
    if monday is None:
        return HttpResponseBadRequest(
            render(request, "timelog/bad_week.html", {}).content, content_type="text/html"
        )
    context = {
        "rows": team_week(membership.organisation, monday),
        "monday": monday,
        "this_week": iso_week(monday),
        "previous": iso_week(monday - timedelta(days=7)),
        "next": iso_week(monday + timedelta(days=7)),
    }
    return render(request, "timelog/team.html", context)


@staff_view()
def export(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The member's own time log in this organisation, as CSV: their data, theirs to take."""
    labels = dict(Activity.choices)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="time-log.csv"'
    response["Cache-Control"] = "private, no-store"
    writer = csv.writer(response)
    writer.writerow(["date", "minutes", "activity", "campaign", "channel", "recorded by"])
    rows = (
        TimeEntry.objects.for_person(membership.organisation_id, membership.user_id)
        .select_related("campaign")
        .order_by("date", "pk")
    )
    for row in rows.iterator():
        writer.writerow(
            [
                row.date.isoformat(),
                row.minutes,
                labels.get(row.activity, row.activity),
                csv_cell(row.campaign.title) if row.campaign else "",
                row.channel,
                row.source,
            ]
        )
    return response


@staff_view()
def impact(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Impact per staff hour over the last weeks: per campaign, channel, activity and week.
    Totals only, never a person: every member reads it, analysts included."""
    from . import impact as measure

    raw = request.GET.get("weeks", "")
    weeks = int(raw) if raw.isdigit() and int(raw) in measure.PERIODS else measure.DEFAULT_WEEKS
    if raw and raw != str(weeks):
        return HttpResponseBadRequest(
            render(request, "timelog/bad_week.html", {}).content, content_type="text/html"
        )
    first, last = measure.period(services.today(membership.organisation), weeks)
    context = {
        "impact": measure.impact(membership.organisation, first, last),
        "weeks": weeks,
        "periods": measure.PERIODS,
        "min_hours": measure.MIN_HOURS,
    }
    return render(request, "timelog/impact.html", context)
