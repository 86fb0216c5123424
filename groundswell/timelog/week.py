"""The week at a glance: one person's minutes per day against their budget, and per activity
and campaign. Two queries: the week's entries, grouped, and the budget."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Sum
from django.utils.translation import gettext as _

from groundswell.accounts.models import Membership
from groundswell.lib.dates import week_start

from .models import Activity, DailyBudget, TimeEntry


def parse_week(value: str | None, today: date) -> date | None:
    """The Monday of an ISO week written 2026-W49; today's week when empty; None if the
    value is not a week."""
    if not value:
        return week_start(today)
    try:
        year, week = value.split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        return None


def iso_week(monday: date) -> str:
    year, week, _day = monday.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class Day:
    day: date
    minutes: int
    budget: int | None

    @property
    def percent(self) -> int | None:
        # Rounded down, as the banner does: 79.9 % is not yet the 80 % warning.
        return 100 * self.minutes // self.budget if self.budget else None

    @property
    def bar(self) -> float:
        """The share of the bar drawn, 0 to 100, against the budget (or 8 hours without one)."""
        scale = self.budget or 480
        return min(100.0, 100 * self.minutes / scale)

    @property
    def over(self) -> bool:
        return bool(self.budget) and self.minutes > (self.budget or 0)


@dataclass
class Week:
    monday: date
    days: list[Day]
    activities: list[tuple[str, int]] = field(default_factory=list)
    campaigns: list[tuple[str, int]] = field(default_factory=list)
    budget: int | None = None

    @property
    def total(self) -> int:
        return sum(day.minutes for day in self.days)

    @property
    def days_over(self) -> int:
        return sum(1 for day in self.days if day.over)


def week_of(person: Membership, monday: date) -> Week:
    sunday = monday + timedelta(days=6)
    rows = (
        TimeEntry.objects.for_person(person.organisation_id, person.user_id)
        .between(monday, sunday)
        .order_by()
        .values("date", "activity", "campaign_id", "campaign__title")
        .annotate(total=Sum("minutes"))
    )
    budget = DailyBudget.objects.filter(membership=person).values_list("minutes", flat=True).first()
    per_day: dict[date, int] = {}
    per_activity: dict[str, int] = {}
    per_campaign: dict[str, int] = {}
    for row in rows:
        per_day[row["date"]] = per_day.get(row["date"], 0) + row["total"]
        per_activity[row["activity"]] = per_activity.get(row["activity"], 0) + row["total"]
        title = row["campaign__title"] or _("No particular campaign")
        per_campaign[title] = per_campaign.get(title, 0) + row["total"]
    labels = dict(Activity.choices)
    days = [
        Day(monday + timedelta(days=n), per_day.get(monday + timedelta(days=n), 0), budget)
        for n in range(7)
    ]
    return Week(
        monday=monday,
        days=days,
        activities=sorted(
            ((str(labels.get(key, key)), minutes) for key, minutes in per_activity.items()),
            key=lambda pair: -pair[1],
        ),
        campaigns=sorted(per_campaign.items(), key=lambda pair: -pair[1]),
        budget=budget,
    )
