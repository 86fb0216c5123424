"""The figures of the reports people read: the monthly report for management and the public
transparency page.

Both read only what other apps already keep: the analytics roll-ups (actions and outcomes,
per UTC day), the time log's entries (hours, in the organisation's days) through
`timelog.impact`, and the outcome ledger. Nothing here names a person: no supporter, and no
staff member's own time (a colleague's log is for owners, on the time log's pages).

Every table is an `analytics.tables.Table`, so the page, the PDF and the CSV files show the
same rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from groundswell.accounts.models import Organisation
from groundswell.analytics import charts, outcomes, reports
from groundswell.analytics.charts import Chart
from groundswell.analytics.models import DailyCount, Dimension, Scope
from groundswell.analytics.reports import Span
from groundswell.analytics.tables import Table
from groundswell.ledger.models import LedgerEntry
from groundswell.lib import analytics
from groundswell.lib.dates import month_bounds
from groundswell.timelog import impact as measure
from groundswell.timelog.models import TimeEntry

# What supporters did (the transparency page's "actions"); outcomes are the registry's.
ACTION_KINDS = ("sign", "share_click", "donate")
# The public page's months.
PUBLIC_MONTHS = 12


def hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.1"), ROUND_HALF_UP)


def parse_month(value: str) -> date | None:
    """The first day of a month written YYYY-MM; None for anything else."""
    try:
        year, month = value.split("-")
        if len(year) != 4 or len(month) != 2:
            return None
        return date(int(year), int(month), 1)
    except ValueError:
        return None


@dataclass
class Monthly:
    organisation: Organisation
    first: date
    last: date
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    totals: dict[str, Any] = field(default_factory=dict)

    @property
    def month(self) -> str:
        return self.first.strftime("%Y-%m")

    @property
    def title(self) -> str:
        return _("%(organisation)s: what the time bought, %(month)s") % {
            "organisation": self.organisation.name,
            "month": date_format(self.first, "F Y"),
        }

    def table(self, name: str) -> Table:
        return next(table for table in self.tables if table.name == name)


def monthly(organisation: Organisation, month: date) -> Monthly:
    """The month's report: actions, outcomes, hours, impact per hour, channels and ledger
    entries, as tables, and two charts (outcomes and hours per day)."""
    first, last = month_bounds(month)
    found = Monthly(organisation, first, last)
    kinds = analytics.kinds()
    counted = outcomes.totals(organisation, [kind.name for kind in kinds], first, last)
    outcome_kinds = [kind for kind in kinds if kind.outcome]
    found_impact = measure.impact(organisation, first, last)
    minutes = found_impact.minutes
    found.totals = {
        "hours": hours(minutes),
        "outcomes": sum(counted[kind.name] for kind in outcome_kinds),
        "actions": sum(counted.get(name, 0) for name in ACTION_KINDS),
    }
    found.tables.append(
        Table(
            "actions",
            _("Actions and reach"),
            [_("What"), _("Count")],
            [[str(kind.label), counted[kind.name]] for kind in kinds if not kind.outcome],
            note=_("Counted per day (UTC) by the analytics roll-ups: counts, never people."),
        )
    )
    found.tables.append(
        Table(
            "outcomes",
            _("Outcomes and impact per staff hour"),
            [_("Outcome"), _("Count"), _("Per staff hour")],
            [
                [str(kind.label), counted[kind.name], _per_hour(counted[kind.name], minutes)]
                for kind in outcome_kinds
            ],
            note=_(
                "%(hours)s staff hours logged this month. Outcomes count only confirmed "
                "signatures never struck out as fraud."
            )
            % {"hours": hours(minutes)}
            + (" " + _("Too few hours to mean much.") if found_impact.total.too_few_hours else ""),
        )
    )
    for name, title, first_column, rows in (
        ("hours_campaigns", _("Hours and outcomes per campaign"), _("Campaign"),
         found_impact.campaigns),
        ("hours_activities", _("Hours and outcomes per activity"), _("Activity"),
         found_impact.activities),
        ("hours_channels", _("Hours and outcomes per channel"), _("Channel"),
         found_impact.channels),
    ):  # fmt: skip
        found.tables.append(_impact_table(name, title, first_column, rows, found_impact.kinds))
    found.tables.append(_channels(organisation, first, last))
    days = _days(organisation, first, last)
    found.tables.append(days)
    found.tables.append(_ledger(organisation, first, last))
    found.charts = [
        charts.bar_chart(
            _("Confirmed signatures per day"),
            [str(row[0]) for row in days.rows],
            [int(row[3]) for row in days.rows],
            _("%(total)s confirmed signatures in %(days)s days.")
            % {"total": sum(int(row[3]) for row in days.rows), "days": len(days.rows)},
        ),
        charts.bar_chart(
            _("Staff minutes per day"),
            [str(row[0]) for row in days.rows],
            [int(row[5]) for row in days.rows],
            _("%(total)s staff hours in %(days)s days.")
            % {"total": hours(minutes), "days": len(days.rows)},
        ),
    ]
    return found


def _per_hour(count: float, minutes: int) -> str:
    if not minutes:
        return "—"
    rate = (Decimal(count) * 60 / Decimal(minutes)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return str(rate)


def _impact_table(
    name: str, title: str, first_column: str, rows: list[measure.Row], kinds: list[Any]
) -> Table:
    columns: list[Any] = [first_column, _("Hours"), *(kind.label for kind in kinds)]
    body = []
    for row in rows:
        cells: list[Any] = [row.label, row.hours]
        for kind in kinds:
            if kind.name not in row.counts:
                # Time on no campaign, or on no channel, has no outcomes of its own to divide.
                cells.append("—")
                continue
            count = row.counts[kind.name]
            rate = row.rate(kind.name)
            cells.append(f"{count:g}" if rate is None else f"{count:g} ({rate}/h)")
        body.append(cells)
    return Table(
        name,
        title,
        columns,
        body,
        note=_(
            "Each outcome with its rate per staff hour in brackets. A row resting on fewer "
            "than %(n)d hours is too thin to mean much."
        )
        % {"n": measure.MIN_HOURS},
        empty=_("No time logged this month."),
    )


def _channels(organisation: Organisation, first: date, last: date) -> Table:
    span = Span(organisation.pk, first, last)
    kinds = ("page_view", "sign", "confirm", "share_click", "referred_sign", "follower_gained",
             "delivery", "post_sent", "reply_received")  # fmt: skip
    names = reports.labels()
    return Table(
        "channels",
        _("Channels"),
        [_("Channel"), *(names.get(kind, kind) for kind in kinds)],
        [[row.label, *(row.get(kind) for kind in kinds)] for row in reports.by_channel(span)],
        note=_(
            "The fediverse and Bluesky report no impressions: there, reach means followers, "
            "deliveries and posts sent."
        ),
    )


def _days(organisation: Organisation, first: date, last: date) -> Table:
    span = Span(organisation.pk, first, last)
    per_day = dict(
        TimeEntry.objects.filter(organisation=organisation, date__range=(first, last))
        .order_by()
        .values_list("date")
        .annotate(total=Sum("minutes"))
    )
    rows = []
    for row in reports.by_day(span):
        day = date.fromisoformat(str(row.key))
        rows.append(
            [row.label, row.get("page_view"), row.get("sign"), row.get("confirm"),
             hours(per_day.get(day, 0)), per_day.get(day, 0)]
        )  # fmt: skip
    return Table(
        "days",
        _("Day by day"),
        [_("Day"), _("Page views"), _("Signatures"), _("Confirmed signatures"), _("Staff hours"),
         _("Staff minutes")],
        rows,
    )  # fmt: skip


def _ledger(organisation: Organisation, first: date, last: date) -> Table:
    entries = (
        LedgerEntry.objects.filter(organisation=organisation, happened_on__range=(first, last))
        .select_related("campaign", "petition")
        .order_by("happened_on", "pk")
    )
    return Table(
        "ledger",
        _("The outcome ledger"),
        [_("Date"), _("Campaign"), _("Step"), _("What happened"), _("Petition's status")],
        [
            [
                entry.happened_on.isoformat(),
                entry.campaign.title,
                entry.get_kind_display(),
                entry.title,
                entry.petition.get_status_display() if entry.petition else "",
            ]
            for entry in entries
        ],
        empty=_("No ledger entries this month."),
    )


@dataclass
class PublicMonth:
    first: date
    actions: int
    outcomes: int
    minutes: int

    @property
    def hours(self) -> Decimal:
        return hours(self.minutes)

    @property
    def label(self) -> str:
        return date_format(self.first, "M Y")  # short: four columns fit a phone


def public_months(organisation: Organisation, today: date) -> list[PublicMonth]:
    """The last PUBLIC_MONTHS months, this one included, oldest first: totals only.

    Two queries whatever the months: the roll-ups and the time entries, each grouped by month.
    """
    last_first = today.replace(day=1)
    first = last_first
    for _step in range(PUBLIC_MONTHS - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    outcome_names = [kind.name for kind in analytics.outcome_kinds()]
    counts: dict[tuple[date, str], int] = {}
    rows = (
        DailyCount.objects.filter(
            organisation=organisation,
            scope=Scope.ORGANISATION,
            dimension=Dimension.TOTAL,
            kind__in=[*ACTION_KINDS, *outcome_names],
            day__range=(first, today),
        )
        .annotate(month=TruncMonth("day"))
        .values("month", "kind")
        .annotate(total=Sum("count"))
        .order_by()
    )
    for row in rows:
        counts[(_as_date(row["month"]), row["kind"])] = row["total"]
    minutes = {
        _as_date(row["month"]): row["total"]
        for row in TimeEntry.objects.filter(organisation=organisation, date__range=(first, today))
        .annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(total=Sum("minutes"))
        .order_by()
    }
    months = []
    month = first
    while month <= last_first:
        months.append(
            PublicMonth(
                month,
                sum(counts.get((month, name), 0) for name in ACTION_KINDS),
                sum(counts.get((month, name), 0) for name in outcome_names),
                minutes.get(month, 0),
            )
        )
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def _as_date(value: date) -> date:
    """TruncMonth of a date column: a date, or on some backends a datetime."""
    return value.date() if isinstance(value, datetime) else value
