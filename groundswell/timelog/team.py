"""Owners' view of the team's time: each member's week against their budget (two queries)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Sum

from groundswell.accounts.models import Membership, Organisation

from .models import TimeEntry


@dataclass
class Row:
    member: Membership
    minutes: int
    days: int  # days with time logged
    budget: int | None

    @property
    def week_budget(self) -> int | None:
        """Against the days worked: a budget is a day's, and nobody owes the others."""
        return self.budget * self.days if self.budget and self.days else None


def team_week(organisation: Organisation, monday: date) -> list[Row]:
    sunday = monday + timedelta(days=6)
    totals: dict[int, tuple[int, int]] = {
        row["user_id"]: (row["minutes"], row["days"])
        for row in TimeEntry.objects.filter(
            organisation=organisation, date__gte=monday, date__lte=sunday
        )
        .order_by()
        .values("user_id")
        .annotate(minutes=Sum("minutes"), days=Count("date", distinct=True))
    }
    members = (
        Membership.objects.filter(organisation=organisation)
        .select_related("user", "time_budget")
        .order_by("user__name")
    )
    return [
        Row(
            member=member,
            minutes=totals.get(member.user_id, (0, 0))[0],
            days=totals.get(member.user_id, (0, 0))[1],
            budget=getattr(getattr(member, "time_budget", None), "minutes", None),
        )
        for member in members
    ]
