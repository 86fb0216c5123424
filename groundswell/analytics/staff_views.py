"""The staff's analytics pages: an organisation's and a campaign's, each table also as CSV.

Every member reads them, analysts included: they hold counts, never a supporter.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from groundswell.accounts.access import staff_view
from groundswell.accounts.models import Membership
from groundswell.actions.models import Petition
from groundswell.campaigns.access import access_campaign
from groundswell.campaigns.models import Campaign
from groundswell.lib.csvcells import csv_cell
from groundswell.stories.models import Story

from . import charts, tables
from .forms import DateRangeForm, chosen_range
from .models import Scope
from .reports import Span

# The tables each page shows, in order (the CSV links name them the same way).
SHOWN = ("funnel", "channels", "campaigns", "petitions", "stories", "referrers", "utm_source",
         "utm_medium", "utm_campaign", "days")  # fmt: skip


def _organisation_names(membership: Membership) -> dict[str, dict[int, str]]:
    campaigns = Campaign.objects.for_organisation(membership.organisation).order_by("title")
    return {Scope.CAMPAIGN: dict(campaigns.values_list("pk", "title"))}


def _campaign_names(campaign: Campaign) -> dict[str, dict[int, str]]:
    petitions = Petition.objects.filter(campaign=campaign).order_by("title")
    stories = Story.objects.filter(campaign=campaign).order_by("title")
    return {
        Scope.PETITION: dict(petitions.values_list("pk", "title")),
        Scope.STORY: dict(stories.values_list("pk", "title")),
    }


def _page(
    request: HttpRequest,
    membership: Membership,
    *,
    scope: str,
    scope_id: int,
    names: dict[str, dict[int, str]],
    campaign: Campaign | None,
    table: str | None,
) -> HttpResponse:
    form = DateRangeForm(request.GET, today=datetime.now(UTC).date())
    chosen = chosen_range(form)
    builders = tables.builders(names)
    if table is not None and table not in builders:
        raise Http404
    context: dict[str, Any] = {"form": form, "campaign": campaign, "tables": [], "chart": None}
    if chosen is None:
        # Bad dates: the form with its messages, and no figures for a range nobody asked for.
        return render(request, "analytics/report.html", context, status=400)
    span = Span(membership.organisation.pk, *chosen, scope=scope, scope_id=scope_id)
    if table is not None:
        return _csv(builders[table](span), membership, campaign, span)
    built = [builders[name](span) for name in SHOWN if name in builders]
    days = next(each for each in built if each.name == "days")
    context |= {
        "span": span,
        "tables": built,
        "chart": charts.daily_chart(days),
        "query": request.GET.urlencode(),
    }
    return render(request, "analytics/report.html", context)


@require_GET
@staff_view()
def organisation(request: HttpRequest, membership: Membership) -> HttpResponse:
    names = _organisation_names(membership)
    return _page(request, membership, scope=Scope.ORGANISATION, scope_id=0, names=names,
                 campaign=None, table=None)  # fmt: skip


@require_GET
@never_cache
@staff_view()
def organisation_csv(request: HttpRequest, membership: Membership, table: str) -> HttpResponse:
    names = _organisation_names(membership)
    return _page(request, membership, scope=Scope.ORGANISATION, scope_id=0, names=names,
                 campaign=None, table=table)  # fmt: skip


@require_GET
@staff_view()
def campaign(request: HttpRequest, membership: Membership, campaign_id: int) -> HttpResponse:
    found = access_campaign(membership, campaign_id)
    return _page(request, membership, scope=Scope.CAMPAIGN, scope_id=found.pk,
                 names=_campaign_names(found), campaign=found, table=None)  # fmt: skip


@require_GET
@never_cache
@staff_view()
def campaign_csv(
    request: HttpRequest, membership: Membership, campaign_id: int, table: str
) -> HttpResponse:
    found = access_campaign(membership, campaign_id)
    return _page(request, membership, scope=Scope.CAMPAIGN, scope_id=found.pk,
                 names=_campaign_names(found), campaign=found, table=table)  # fmt: skip


def _cell(value: Any) -> Any:
    return csv_cell(value if isinstance(value, int) else str(value))


class _Lines:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def write(self, value: str) -> None:
        self.lines.append(value)


def _csv(
    table: tables.Table, membership: Membership, campaign: Campaign | None, span: Span
) -> HttpResponse:
    out = _Lines()
    writer = csv.writer(out)
    writer.writerow([str(column) for column in table.columns])
    for row in table.rows:
        writer.writerow([_cell(value) for value in row])
    # The byte-order mark tells Excel the file is UTF-8.
    response = HttpResponse("\ufeff" + "".join(out.lines), content_type="text/csv; charset=utf-8")
    where = membership.organisation.slug + (f"-campaign-{campaign.pk}" if campaign else "")
    filename = f"{table.name}-{where}-{span.first:%Y-%m-%d}-{span.last:%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
