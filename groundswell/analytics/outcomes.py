"""Reading what the roll-ups hold: the one way other apps (the time log) read counts.

Figures are per UTC day and kept by the roll-up tasks (tasks.py): counted kinds within about
a minute, kinds from rows within ROWS_EVERY. Reading never touches an event or a signature:
only the DailyCount rows of one scope and one dimension over the days asked.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date
from typing import Literal

from django.db.models import Sum

from groundswell.accounts.models import Organisation
from groundswell.lib import analytics

from .models import DailyCount, Dimension, Scope

By = Literal["campaign", "channel", "day"]


def outcome_kinds() -> list[analytics.Kind]:
    """Every registered outcome (confirmed signatures, new supporters, referred signatures,
    replies, and whatever later capabilities register), in their order."""
    return analytics.outcome_kinds()


def counts(
    organisation: Organisation | int,
    kind: str,
    first: date,
    last: date,
    *,
    campaign: int | None = None,
    by: Iterable[By] = (),
) -> dict[tuple[int | str | date, ...], int]:
    """How many of `kind` happened from `first` to `last` (both included, UTC days) in
    `organisation`, or in one campaign of it (`campaign`, an id), grouped by any of
    "campaign" (its id; 0 for what belongs to no campaign is left out), "channel" and "day".

    Returns {(values in the order of `by`): count}, leaving out zeros; with `by=()` the one
    key is (). Example: `counts(org, "confirm", date(2026, 12, 1), date(2026, 12, 7),
    by=("campaign", "day"))` → {(12, date(2026, 12, 1)): 40, …}.
    """
    by = tuple(by)
    unknown = set(by) - {"campaign", "channel", "day"}
    if unknown:
        raise ValueError(f"cannot group by {sorted(unknown)}")
    rows = DailyCount.objects.filter(organisation=organisation, kind=kind, day__range=(first, last))
    if "campaign" in by:
        rows = rows.filter(scope=Scope.CAMPAIGN)
        if campaign is not None:
            rows = rows.filter(scope_id=campaign)
    elif campaign is not None:
        rows = rows.filter(scope=Scope.CAMPAIGN, scope_id=campaign)
    else:
        rows = rows.filter(scope=Scope.ORGANISATION)
    dimension = Dimension.CHANNEL if "channel" in by else Dimension.TOTAL
    rows = rows.filter(dimension=dimension)
    columns = {"campaign": "scope_id", "channel": "value", "day": "day"}
    group = [columns[name] for name in by]
    found = rows.values(*group).annotate(total=Sum("count")).order_by()
    return {tuple(row[name] for name in group): row["total"] for row in found if row["total"]}


def totals(
    organisation: Organisation | int,
    kinds: Collection[str],
    first: date,
    last: date,
    *,
    campaign: int | None = None,
) -> dict[str, int]:
    """Each of `kinds` in total over the days, in one query: {kind: count}."""
    rows = DailyCount.objects.filter(
        organisation=organisation,
        kind__in=list(kinds),
        day__range=(first, last),
        dimension=Dimension.TOTAL,
        scope=Scope.CAMPAIGN if campaign is not None else Scope.ORGANISATION,
        scope_id=campaign or 0,
    )
    found = rows.values("kind").annotate(total=Sum("count")).order_by()
    return dict.fromkeys(kinds, 0) | {row["kind"]: row["total"] for row in found}
