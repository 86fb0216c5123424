"""What idea challenges count in the funnels (lib/analytics.py): ideas given, votes
confirmed and votes someone's share link brought. Counts only, never who."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from groundswell.lib import analytics
from groundswell.lib.analytics import Dims, Kind, register

from .models import Confirmation, Idea, Vote, VoteState


def _votes(
    rows: QuerySet[Vote], start: datetime, end: datetime
) -> Iterator[tuple[date, Dims, int]]:
    counts: Counter[tuple[date, Dims]] = Counter()
    found = rows.filter(confirmed_at__gte=start, confirmed_at__lt=end).values_list(
        "confirmed_at", "idea__organisation_id", "idea__challenge__campaign_id", "referrer_data"
    )
    for at, org, campaign, data in found.iterator(chunk_size=5000):
        if at is None:
            continue
        counts[(at.astimezone(UTC).date(), analytics.shared_dims(org, campaign, data or {}))] += 1
    yield from ((day, dims, n) for (day, dims), n in counts.items())


def votes(start: datetime, end: datetime) -> Iterator[tuple[date, Dims, int]]:
    return _votes(Vote.objects.filter(state=VoteState.CONFIRMED), start, end)


def referred_votes(start: datetime, end: datetime) -> Iterator[tuple[date, Dims, int]]:
    confirmed = Vote.objects.filter(state=VoteState.CONFIRMED, referred_by__isnull=False)
    return _votes(confirmed, start, end)


def ideas(start: datetime, end: datetime) -> Iterator[tuple[date, Dims, int]]:
    counts: Counter[tuple[date, Dims]] = Counter()
    found = Idea.objects.filter(
        state=Confirmation.CONFIRMED, confirmed_at__gte=start, confirmed_at__lt=end
    ).values_list("confirmed_at", "organisation_id", "challenge__campaign_id")
    for at, org, campaign in found.iterator(chunk_size=5000):
        if at is None:
            continue
        counts[(at.astimezone(UTC).date(), analytics.shared_dims(org, campaign, {}))] += 1
    yield from ((day, dims, n) for (day, dims), n in counts.items())


register(Kind("idea", _("Ideas given (confirmed)"), rows=ideas, outcome=True, order=40))
register(Kind("idea_vote", _("Votes for ideas (confirmed)"), rows=votes, outcome=True, order=41))
register(
    Kind("referred_idea_vote", _("Referred votes for ideas"), rows=referred_votes, outcome=True,
         order=57)
)  # fmt: skip
