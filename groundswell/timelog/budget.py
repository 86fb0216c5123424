"""Today's time against the daily budget: the gentle warning on every staff page.

The staff layout asks `status()` for the member it shows the page to. The answer is cached
for a minute per person, organisation and day (the cache is per process unless a shared one
is configured), and the time log's verbs forget it whenever they change what it counts, so
the person who changed something sees it at once; a change made through another process
shows within the minute. The minutes of a running timer are added when the page is drawn,
from its start time, so they grow without any write. Working out the answer is one query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db.models import IntegerField, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from groundswell.lib import leases
from groundswell.lib.dates import day_start

from .models import DailyBudget, RunningTimer, TimeEntry

if TYPE_CHECKING:
    from groundswell.accounts.models import Membership, Organisation

CACHE_SECONDS = 60
NEAR = 0.8  # the first warning, at 80 % of the day's budget
NOTHING = "none"  # cached for someone without a budget


@dataclass(frozen=True)
class Status:
    budget: int  # minutes a day
    logged: int  # minutes of today's entries
    running_since: datetime | None  # the person's timer in this organisation, if it runs
    # The moment today began in the organisation's time zone: a timer started before it
    # counts only its minutes since (stopping it splits it the same way, services.stop_timer).
    day_began: datetime | None = None

    def spent(self, now: datetime | None = None) -> int:
        """Today's minutes, with the running timer's so far."""
        if self.running_since is None:
            return self.logged
        since = self.running_since
        if self.day_began is not None and since < self.day_began:
            since = self.day_began
        seconds = ((now or leases.now()) - since).total_seconds()
        return self.logged + max(int(seconds // 60), 0)

    def share(self) -> float:
        return self.spent() / self.budget

    @property
    def percent(self) -> int:
        return int(self.share() * 100)

    @property
    def level(self) -> str:
        """'over' at 100 % of the budget, 'near' from 80 %, '' below."""
        share = self.share()
        if share >= 1:
            return "over"
        return "near" if share >= NEAR else ""

    @property
    def spent_now(self) -> int:
        return self.spent()


def _key(organisation_id: int, user_id: int, day: date) -> str:
    return f"timelog:budget:{organisation_id}:{user_id}:{day.isoformat()}"


def forget(organisation: Organisation, user_id: int) -> None:
    """Called by every verb that changes a budget, an entry or a timer."""
    cache.delete(_key(organisation.pk, user_id, organisation.today(leases.now())))


def status(membership: Membership) -> Status | None:
    """The member's day, in the organisation's time zone, against their budget; None when
    they set no budget."""
    organisation = membership.organisation
    day = organisation.today(leases.now())
    key = _key(membership.organisation_id, membership.user_id, day)
    found = cache.get(key)
    if found is None:
        found = _load(membership, day) or NOTHING
        cache.set(key, found, CACHE_SECONDS)
    return None if found == NOTHING else found


def _load(membership: Membership, day: date) -> Status | None:
    today = (
        TimeEntry.objects.filter(
            organisation_id=membership.organisation_id, user_id=membership.user_id, date=day
        )
        .order_by()
        .values("user_id")
        .annotate(total=Sum("minutes"))
        .values("total")
    )
    timer = RunningTimer.objects.filter(membership_id=membership.pk).values("started_at")
    row = (
        DailyBudget.objects.filter(membership_id=membership.pk)
        .annotate(
            logged=Coalesce(Subquery(today, output_field=IntegerField()), Value(0)),
            running_since=Subquery(timer[:1]),
        )
        .values("minutes", "logged", "running_since")
        .first()
    )
    if row is None:
        return None
    began = day_start(day, membership.organisation.zone)
    return Status(row["minutes"], row["logged"], row["running_since"], began)
