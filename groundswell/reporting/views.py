"""The monthly report (owners and analysts: a page and its PDF) and the public transparency
page (per organisation, off until an owner switches it on)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _lazy
from django.views.decorators.http import require_GET

from groundswell.accounts.access import staff_view
from groundswell.accounts.models import Membership, Organisation
from groundswell.analytics import charts
from groundswell.lib import analytics
from groundswell.lib.badinput import bad_request

from . import figures, pdf

# The months the chooser offers: this one and the two years before.
CHOICES = 25


def months_back(today: date, count: int) -> list[date]:
    """The first day of this month and of the `count - 1` before it, newest first."""
    months = [today.replace(day=1)]
    while len(months) < count:
        months.append((months[-1] - timedelta(days=1)).replace(day=1))
    return months


def _chosen(request: HttpRequest, organisation: Organisation) -> date | str | None:
    """The month asked for (?month=YYYY-MM), last month when none; "bad" for anything else."""
    today = organisation.today()
    offered = months_back(today, CHOICES)
    raw = request.GET.get("month", "")
    if not raw:
        return offered[1]
    month = figures.parse_month(raw)
    return month if month in offered else "bad"


def _refuse(request: HttpRequest) -> HttpResponse:
    return bad_request(
        request,
        # Translators: the month chooser of the monthly report got a month it does not offer.
        str(_lazy("Choose one of the months listed: this month or one of the 24 before it.")),
    )


@require_GET
@staff_view("reports.monthly")
def monthly(request: HttpRequest, membership: Membership) -> HttpResponse:
    organisation = membership.organisation
    month = _chosen(request, organisation)
    if not isinstance(month, date):
        return _refuse(request)
    report = figures.monthly(organisation, month)
    context: dict[str, Any] = {
        "report": report,
        "month": month,
        "choices": months_back(organisation.today(), CHOICES),
    }
    return render(request, "reporting/monthly.html", context)


@require_GET
@staff_view("reports.monthly")
def monthly_pdf(request: HttpRequest, membership: Membership) -> HttpResponse:
    organisation = membership.organisation
    month = _chosen(request, organisation)
    if not isinstance(month, date):
        return _refuse(request)
    body = pdf.render(figures.monthly(organisation, month))
    response = HttpResponse(body, content_type="application/pdf")
    name = f"{organisation.slug}-{month:%Y-%m}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def transparency(request: HttpRequest, org: str) -> HttpResponse:
    """What the organisation's time bought, month by month: public once an owner opens it."""
    organisation = get_object_or_404(Organisation.objects.public(), slug=org)
    if not organisation.transparency_page:
        raise Http404
    months = figures.public_months(organisation, organisation.today())
    labels = [month.first.strftime("%b %y") for month in months]
    context = {
        "organisation": organisation,
        "months": months,
        "outcomes_chart": charts.bar_chart(
            str(_lazy("Outcomes per month")),
            labels,
            [month.outcomes for month in months],
            str(_lazy("%(total)s outcomes in the last %(n)s months."))
            % {"total": sum(m.outcomes for m in months), "n": len(months)},
        ),
        "hours_chart": charts.bar_chart(
            str(_lazy("Staff hours per month")),
            labels,
            [round(float(month.hours)) for month in months],
            str(_lazy("%(total)s staff hours in the last %(n)s months."))
            % {"total": sum(m.hours for m in months), "n": len(months)},
        ),
        "outcome_kinds": analytics.outcome_kinds(),
    }
    response = render(request, "reporting/transparency.html", context)
    response["Cache-Control"] = "public, max-age=300"
    return response
