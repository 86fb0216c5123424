"""RSVPs and volunteer sign-ups each supporter's link brought (rules.CREDITED), beside the
signature ranking.

The signature ranking (forest.py, ranking.py) is left exactly as it is: its order
(downstream, direct, supporter id) and its figures are P4's. These figures are attached to
each ranked entry, and supporters whose links brought only such actions follow after
everyone with signature credit (they have none: downstream and direct 0), most actions
first, then by supporter id. One grouped query per kind, whatever the organisation's size.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Count

from . import rules

Entry = dict[str, Any]
# (scope, supporter) -> count, per kind key; scope None is the whole organisation.
Counts = dict[str, Counter[tuple[int | None, int]]]


def counts(organisation_id: int, *, supporter_ids: list[int] | None = None) -> Counts:
    """How many counted actions of each kind each supporter brought, per scope."""
    found: Counts = {}
    for kind in rules.CREDITED:
        rows = kind.model.objects.filter(  # type: ignore[attr-defined]
            kind.counted, organisation_id=organisation_id, referred_by__isnull=False
        )
        if supporter_ids is not None:
            rows = rows.filter(referred_by_id__in=supporter_ids)
        per: Counter[tuple[int | None, int]] = Counter()
        grouped = rows.values_list("referred_by_id", kind.campaign).annotate(n=Count("id"))
        for referrer, campaign, n in grouped.order_by():
            per[(None, referrer)] += n
            if campaign is not None:
                per[(campaign, referrer)] += n
        found[kind.key] = per
    return found


def scopes(found: Counts) -> set[int | None]:
    """Every scope in which someone was credited with an action."""
    return {scope for per in found.values() for scope, _ in per}


def attach(entries: list[Entry], found: Counts, scope: int | None, *, keep: int) -> list[Entry]:
    """The entries with each kind's figure, then supporters credited only with actions, up
    to `keep` in all. The ranked entries keep their order and figures."""
    listed = {entry["supporter"] for entry in entries}
    for entry in entries:
        for key in rules.KEYS:
            entry[key] = found[key][(scope, entry["supporter"])]
    if len(entries) >= keep:
        return entries
    extra: Counter[int] = Counter()
    for per in found.values():
        for (at, supporter), n in per.items():
            if at == scope and supporter not in listed:
                extra[supporter] += n
    ordered = sorted(extra, key=lambda supporter: (-extra[supporter], supporter))
    for supporter in ordered[: keep - len(entries)]:
        added: Entry = {"supporter": supporter, "downstream": 0, "direct": 0}
        for key in rules.KEYS:
            added[key] = found[key][(scope, supporter)]
        entries.append(added)
    return entries
