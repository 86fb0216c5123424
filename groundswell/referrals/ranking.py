"""The evangelist ranking of a whole organisation: read every signature once, rank in numpy.

`rank_organisation` is what the command prints and the refresh task stores. The signatures
come from their compact copy (`digest.py`: four integers each, packed in blocks, brought up
to date first), since reading ten million rows was most of the time. The tree rules live in
`forest.py`, what counts in `rules.py`.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import Case, Count, Exists, OuterRef, Subquery, Sum, Value, When

from groundswell.actions.models import Petition, Signature

from . import credit, digest, forest, rules

# Stored per scope: enough for the public leaderboard, which shows the first 20 of those who
# chose to appear there; the staff page shows the first DETAILED, with their details.
KEEP = 500
DETAILED = 100
CHUNK = 500  # ids per IN (…), well inside every database's limit on parameters


@dataclass(frozen=True)
class Timed:
    ranked: forest.Ranked
    signatures: int
    refreshed: digest.Refreshed  # part of read_seconds
    read_seconds: float
    rank_seconds: float


def load(organisation_id: int, *, refreshed: bool = False) -> forest.Rows:
    """Every signature of the organisation's petitions, from the compact copy (digest.py),
    refreshed first unless the caller just did."""
    campaigns = list(
        Petition.objects.filter(organisation_id=organisation_id).values_list("id", "campaign_id")
    )
    if not refreshed:
        digest.refresh(organisation_id)
    ids, petition, supporter, ref = digest.read(organisation_id)
    if not campaigns or not len(ids):
        empty = np.zeros(0, dtype=np.int64)
        return forest.Rows(empty, empty, empty, empty, empty > 0, empty)
    campaign_of = np.zeros(max(int(petition.max()), max(p for p, _ in campaigns)) + 1, np.int64)
    for petition_id, campaign_id in campaigns:
        campaign_of[petition_id] = campaign_id
    group = campaign_of[petition]
    mine = group > 0  # a petition deleted since its block was built: its rows go with it
    if not mine.all():
        ids, petition, supporter, ref, group = (
            a[mine] for a in (ids, petition, supporter, ref, group)
        )
    return forest.Rows(ids, petition, supporter, ref >> 1, (ref & 1) > 0, group)


def rank_organisation(organisation_id: int, *, top: int) -> Timed:
    started = time.perf_counter()
    refreshed = digest.refresh(organisation_id)
    rows = load(organisation_id, refreshed=True)
    read = time.perf_counter()
    ranked = forest.rank(forest.grow(rows), top=top)
    return Timed(ranked, len(rows), refreshed, read - started, time.perf_counter() - read)


Entry = dict[str, Any]


@dataclass(frozen=True)
class Computed:
    """Every scope's ranking: None for the whole organisation, else a campaign id."""

    scopes: dict[int | None, list[Entry]]
    signatures: int
    seconds: float


def compute(organisation_id: int) -> Computed:
    """Every scope's signature ranking, each entry with its RSVPs and volunteers too, and
    those credited only with such actions after (credit.py)."""
    started = time.perf_counter()
    grown = forest.grow(load(organisation_id))
    scopes: dict[int | None, list[Entry]] = {None: as_entries(forest.rank(grown, top=KEEP))}
    per_campaign = forest.rank(grown, top=KEEP, by_group=True)
    assert per_campaign.group is not None
    for campaign in np.unique(per_campaign.group).tolist():
        mine = per_campaign.group == campaign
        scopes[int(campaign)] = as_entries(
            forest.Ranked(
                per_campaign.supporter[mine],
                per_campaign.downstream[mine],
                per_campaign.direct[mine],
            )
        )
    actions = credit.counts(organisation_id)
    for scope in sorted(credit.scopes(actions) | set(scopes), key=lambda s: s or 0):
        scopes[scope] = credit.attach(scopes.get(scope, []), actions, scope, keep=KEEP)
    _add_details(scopes)
    return Computed(scopes, len(grown.rows), time.perf_counter() - started)


def as_entries(ranked: forest.Ranked) -> list[Entry]:
    return [
        {"supporter": s, "downstream": d, "direct": r}
        for s, d, r in zip(
            ranked.supporter.tolist(),
            ranked.downstream.tolist(),
            ranked.direct.tolist(),
            strict=True,
        )
    ]


def _add_details(scopes: dict[int | None, list[Entry]]) -> None:
    """ "New supporters" and channels of the first DETAILED of each scope, over the counted
    signatures they brought directly (in that scope), grouped by the database."""
    wanted = sorted({e["supporter"] for entries in scopes.values() for e in entries[:DETAILED]})
    channels: dict[tuple[int | None, int], Counter[str]] = defaultdict(Counter)
    new: Counter[tuple[int | None, int]] = Counter()
    for at in range(0, len(wanted), CHUNK):
        for referrer, campaign, channel, brought, first in brought_directly(
            wanted[at : at + CHUNK]
        ):
            for scope in (None, campaign):
                channels[(scope, referrer)][channel or "web"] += brought
                new[(scope, referrer)] += first
    for scope, entries in scopes.items():
        for entry in entries[:DETAILED]:
            key = (scope, entry["supporter"])
            entry["new"] = new[key]
            entry["channels"] = dict(channels[key].most_common())


def brought_directly(supporter_ids: list[int]) -> Any:
    """(referrer, campaign, channel, signatures, first signatures) of the counted signatures
    each supporter brought directly: through their link, their own signature first."""
    theirs = Signature.objects.filter(
        supporter_id=OuterRef("referred_by_id"),
        petition_id=OuterRef("petition_id"),
        id__lt=OuterRef("id"),
    )
    first = (
        Signature.objects.filter(supporter_id=OuterRef("supporter_id"))
        .order_by("id")
        .values("id")[:1]
    )
    return (
        Signature.objects.filter(rules.counted(), Exists(theirs), referred_by_id__in=supporter_ids)
        .annotate(is_first=Case(When(id=Subquery(first), then=Value(1)), default=Value(0)))
        .values_list("referred_by_id", "petition__campaign_id", "channel")
        .annotate(brought=Count("id"), firsts=Sum("is_first"))
        .order_by()
    )
