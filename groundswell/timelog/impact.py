"""Impact per staff hour: outcomes divided by the hours the time log holds.

Outcomes are the analytics registry's outcome kinds (confirmed signatures, new supporters,
referred signatures, replies, and any kind a later capability registers), read from its
daily roll-ups through `analytics.outcomes.counts`; hours are the time entries. Both are
grouped the same ways:

- per campaign: a campaign's outcomes over the hours logged against it;
- per channel: the outcomes that came through a channel over the hours logged on it (time
  logged without a channel is shown, with no outcomes of its own to divide);
- per activity: outcomes are counted per campaign, never per activity, so each activity is
  credited with each campaign's outcomes in proportion to the share of that campaign's
  hours it took (an hour of replying on a campaign earns what an hour of writing on it
  does); the rate is then a weighted mean of the campaigns' rates, which is said on the page;
- per week (Monday to Sunday): the organisation's outcomes that week over all hours logged.

Each row keeps the numbers it came from (every count and the hours), and carries a plain
caveat when it rests on fewer than MIN_HOURS hours: below about a day's social media time,
one good or bad afternoon moves the rate several times over. The analytics roll-ups count
UTC days and entries are dated in the site's time zone, so a rate at a week's edge may
differ by what happened in the hours between the two.

Queries: one for the entries (grouped) and three per outcome kind (by campaign, channel and
day), whatever the period's length.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from groundswell.accounts.models import Organisation
from groundswell.analytics import outcomes as analytics_outcomes
from groundswell.campaigns.models import Campaign
from groundswell.lib.dates import week_start

from .forms import CHANNELS
from .models import Activity, TimeEntry

# Outcome name → grouping ("campaign", "channel", "day") → {(value,): count}.
Counted = dict[str, dict[str, dict[tuple[int | str | date, ...], int]]]

MIN_HOURS = 5
PERIODS = (4, 8, 13, 26)  # weeks a page may show
DEFAULT_WEEKS = 8


@dataclass(frozen=True)
class Outcome:
    name: str
    label: str


@dataclass
class Row:
    label: str
    minutes: int = 0
    counts: dict[str, float] = field(default_factory=dict)  # outcome name → count
    monday: date | None = None  # the week's, for the rows per week
    kinds: list[Outcome] = field(default_factory=list)  # the columns, in order

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.minutes) / 60).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def too_few_hours(self) -> bool:
        return self.minutes < MIN_HOURS * 60

    def rate(self, name: str) -> Decimal | None:
        """Outcomes of `name` per hour; None without time logged."""
        if not self.minutes:
            return None
        per_hour = Decimal(self.counts.get(name, 0)) * 60 / Decimal(self.minutes)
        return per_hour.quantize(Decimal("0.01"), ROUND_HALF_UP)

    @property
    def cells(self) -> list[tuple[str, float, Decimal | None]]:
        """(label, count, rate) per outcome kind, for the table."""
        return [
            (kind.label, self.counts.get(kind.name, 0), self.rate(kind.name)) for kind in self.kinds
        ]


@dataclass
class Impact:
    first: date
    last: date
    kinds: list[Outcome]
    campaigns: list[Row]
    channels: list[Row]
    activities: list[Row]
    weeks: list[Row]
    minutes: int = 0

    @property
    def total(self) -> Row:
        row = Row(_("All campaigns and channels"), self.minutes, kinds=self.kinds)
        for week in self.weeks:
            for name, count in week.counts.items():
                row.counts[name] = row.counts.get(name, 0) + count
        return row


def period(today: date, weeks: int) -> tuple[date, date]:
    """The `weeks` whole weeks up to and including this one."""
    last = week_start(today) + timedelta(days=6)
    return last - timedelta(days=7 * weeks - 1), last


def impact(organisation: Organisation, first: date, last: date) -> Impact:
    kinds = [Outcome(kind.name, str(kind.label)) for kind in analytics_outcomes.outcome_kinds()]
    entries = (
        TimeEntry.objects.filter(organisation=organisation, date__gte=first, date__lte=last)
        .order_by()
        .values("campaign_id", "channel", "activity", "date")
        .annotate(minutes=Sum("minutes"))
    )
    by_campaign: dict[int | None, int] = defaultdict(int)
    by_channel: dict[str, int] = defaultdict(int)
    by_week: dict[date, int] = defaultdict(int)
    by_campaign_activity: dict[tuple[int | None, str], int] = defaultdict(int)
    for row in entries:
        by_campaign[row["campaign_id"]] += row["minutes"]
        by_channel[row["channel"]] += row["minutes"]
        by_week[week_start(row["date"])] += row["minutes"]
        by_campaign_activity[(row["campaign_id"], row["activity"])] += row["minutes"]
    counted: Counted = {
        kind.name: {
            by: analytics_outcomes.counts(organisation, kind.name, first, last, by=(by,))
            for by in ("campaign", "channel", "day")
        }
        for kind in kinds
    }
    found = Impact(
        first=first,
        last=last,
        kinds=kinds,
        campaigns=_campaign_rows(organisation, kinds, counted, by_campaign),
        channels=_channel_rows(kinds, counted, by_channel),
        activities=_activity_rows(kinds, counted, by_campaign, by_campaign_activity),
        weeks=_week_rows(kinds, counted, by_week, first, last),
        minutes=sum(by_campaign.values()),
    )
    for shown in (*found.campaigns, *found.channels, *found.activities, *found.weeks):
        shown.kinds = kinds
    return found


def _campaign_rows(
    organisation: Organisation,
    kinds: list[Outcome],
    counted: Counted,
    minutes: dict[int | None, int],
) -> list[Row]:
    ids = {pk for pk in minutes if pk is not None}
    for kind in kinds:
        ids |= {int(key[0]) for key in counted[kind.name]["campaign"]}  # type: ignore[arg-type]
    titles = dict(
        Campaign.objects.for_organisation(organisation)
        .filter(pk__in=ids)
        .values_list("pk", "title")
    )
    rows = []
    for campaign_id in sorted(ids, key=lambda pk: titles.get(pk, "")):
        if campaign_id not in titles:
            continue  # deleted since
        row = Row(titles[campaign_id], minutes.get(campaign_id, 0))
        for kind in kinds:
            row.counts[kind.name] = counted[kind.name]["campaign"].get((campaign_id,), 0)
        rows.append(row)
    if minutes.get(None):
        rows.append(Row(_("No particular campaign"), minutes[None]))
    return rows


def _channel_rows(
    kinds: list[Outcome],
    counted: Counted,
    minutes: dict[str, int],
) -> list[Row]:
    labels = {value: str(label) for value, label in CHANNELS if value}
    names = set(minutes) - {""}
    for kind in kinds:
        names |= {str(key[0]) for key in counted[kind.name]["channel"] if key[0]}
    rows = []
    for name in sorted(names, key=lambda value: labels.get(value, value)):
        row = Row(labels.get(name, name), minutes.get(name, 0))
        for kind in kinds:
            row.counts[kind.name] = counted[kind.name]["channel"].get((name,), 0)
        rows.append(row)
    if minutes.get(""):
        rows.append(Row(_("Time not tied to one channel"), minutes[""]))
    return rows


def _activity_rows(
    kinds: list[Outcome],
    counted: Counted,
    by_campaign: dict[int | None, int],
    by_campaign_activity: dict[tuple[int | None, str], int],
) -> list[Row]:
    rows = {value: Row(str(label)) for value, label in Activity.choices}
    for (campaign_id, activity), spent in by_campaign_activity.items():
        row = rows.setdefault(activity, Row(activity))
        row.minutes += spent
        if campaign_id is None:
            continue  # time on no campaign has no campaign's outcomes to share in
        share = spent / by_campaign[campaign_id]
        for kind in kinds:
            found = counted[kind.name]["campaign"].get((campaign_id,), 0)
            row.counts[kind.name] = row.counts.get(kind.name, 0) + round(found * share, 1)
    return [row for row in rows.values() if row.minutes]


def _week_rows(
    kinds: list[Outcome],
    counted: Counted,
    minutes: dict[date, int],
    first: date,
    last: date,
) -> list[Row]:
    rows = []
    monday = week_start(first)
    while monday <= last:
        row = Row(monday.isoformat(), minutes.get(monday, 0), monday=monday)
        for kind in kinds:
            row.counts[kind.name] = sum(
                count
                for (day, *_rest), count in counted[kind.name]["day"].items()
                if isinstance(day, date) and monday <= day <= monday + timedelta(days=6)
            )
        rows.append(row)
        monday += timedelta(days=7)
    return rows
