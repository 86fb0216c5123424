"""The funnel and the tables the staff pages and their CSV files show.

Each table is one query over DailyCount (one scope, one dimension, a range of days): its
cost follows the number of days and values shown, never the number of events (P6).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from groundswell.lib import analytics

from .models import DailyCount, Dimension, Scope

# view → sign → confirm → share → referred sign
FUNNEL = ("page_view", "sign", "confirm", "share_click", "referred_sign")
# For the fediverse and Bluesky, which report no impressions, reach is what we know.
REACH = ("follower_gained", "delivery", "post_sent", "reply_received")
CHANNEL_KINDS = (*FUNNEL, *REACH)
# Labels of the channel values (lib/analytics.CHANNELS).
CHANNEL_LABELS = {
    "site": _("This site, or no referrer"),
    "web": _("Other websites"),
    "search": _("Search engines"),
    "fediverse": _("Fediverse"),
    "bluesky": _("Bluesky"),
    "mastodon": _("Mastodon"),
    "feed": _("Feeds"),
    "email": _("Email"),
    "whatsapp": _("WhatsApp"),
    "telegram": _("Telegram"),
    "facebook": _("Facebook"),
    "x": _("X"),
    "linkedin": _("LinkedIn"),
    "copy": _("Copied link"),
    "native": _("Phone's share menu"),
    "api": _("API"),
    "other": _("Other"),
}


@dataclass
class Step:
    kind: str
    label: str
    count: int
    # Of the step before (None for the first step, or when the step before is 0).
    rate: float | None


@dataclass
class Row:
    key: str | int
    label: str
    counts: dict[str, int] = field(default_factory=dict)

    def steps(self) -> list[Step]:
        return funnel_steps(self.counts)

    def get(self, kind: str) -> int:
        return self.counts.get(kind, 0)


def labels() -> dict[str, str]:
    return {kind.name: str(kind.label) for kind in analytics.kinds()}


def funnel_steps(counts: dict[str, int]) -> list[Step]:
    names = labels()
    steps: list[Step] = []
    before: int | None = None
    for kind in FUNNEL:
        n = counts.get(kind, 0)
        rate = n / before if before else None
        steps.append(Step(kind, names.get(kind, kind), n, rate))
        before = n
    return steps


@dataclass(frozen=True)
class Span:
    """Where a report looks: an organisation, one scope of it, the days (both included)."""

    organisation_id: int
    first: date
    last: date
    scope: str = Scope.ORGANISATION
    scope_id: int = 0


def _rows(
    span: Span,
    dimension: str,
    kinds: Collection[str],
    *,
    scope: str | None = None,
    scope_ids: Sequence[int] | None = None,
) -> dict[str | int, dict[str, int]]:
    """{value of the dimension (or scope id): {kind: count}} over the span's days."""
    rows = DailyCount.objects.filter(
        organisation_id=span.organisation_id,
        day__range=(span.first, span.last),
        dimension=dimension,
        kind__in=list(kinds),
    )
    if scope is None:
        rows = rows.filter(scope=span.scope, scope_id=span.scope_id)
        group = "value"
    else:
        rows = rows.filter(scope=scope)
        if scope_ids is not None:
            rows = rows.filter(scope_id__in=list(scope_ids))
        group = "scope_id"
    found: dict[str | int, dict[str, int]] = defaultdict(dict)
    for row in rows.values(group, "kind").annotate(total=Sum("count")).order_by():
        found[row[group]][row["kind"]] = row["total"]
    return found


def funnel(span: Span) -> list[Step]:
    return funnel_steps(_rows(span, Dimension.TOTAL, FUNNEL).get("", {}))


def totals(span: Span, kinds: Collection[str]) -> dict[str, int]:
    return _rows(span, Dimension.TOTAL, kinds).get("", {})


def by_channel(span: Span) -> list[Row]:
    """One row per channel that saw anything, in the order of lib/analytics.CHANNELS."""
    found = _rows(span, Dimension.CHANNEL, CHANNEL_KINDS)
    order = {name: index for index, name in enumerate(analytics.CHANNELS)}
    rows = [
        Row(value, str(CHANNEL_LABELS.get(str(value), value)), counts)
        for value, counts in found.items()
    ]
    return sorted(rows, key=lambda row: (order.get(str(row.key), len(order)), str(row.key)))


def by_value(span: Span, dimension: str, *, limit: int = 50) -> list[Row]:
    """One row per referring domain or utm value, the most viewed first, at most `limit`."""
    found = _rows(span, dimension, FUNNEL)
    rows = [Row(value, str(value), counts) for value, counts in found.items()]
    rows.sort(key=lambda row: (-row.get("page_view"), -row.get("sign"), str(row.key)))
    return rows[:limit]


def by_scope(span: Span, scope: str, names: dict[int, str]) -> list[Row]:
    """One row per campaign (or petition, or story) in `names` ({id: title}), in its order."""
    found = _rows(span, Dimension.TOTAL, FUNNEL, scope=scope, scope_ids=list(names))
    return [Row(pk, title, found.get(pk, {})) for pk, title in names.items()]


def by_day(span: Span) -> list[Row]:
    """One row per day of the span (every day, zeros included), oldest first."""
    rows = DailyCount.objects.filter(
        organisation_id=span.organisation_id,
        scope=span.scope,
        scope_id=span.scope_id,
        dimension=Dimension.TOTAL,
        day__range=(span.first, span.last),
        kind__in=FUNNEL,
    )
    found: dict[date, dict[str, int]] = defaultdict(dict)
    for row in rows.values("day", "kind").annotate(total=Sum("count")).order_by():
        found[row["day"]][row["kind"]] = row["total"]
    days = (span.last - span.first).days + 1
    every = [date.fromordinal(span.first.toordinal() + n) for n in range(days)]
    return [Row(day.isoformat(), day.isoformat(), found.get(day, {})) for day in every]
