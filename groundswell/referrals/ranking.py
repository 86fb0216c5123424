"""The evangelist ranking of a whole organisation: read every signature once, rank in numpy.

`rank_organisation` is what the command prints and the refresh task stores. Reading ten
million rows is most of its time, so each database hands over a block of rows as one value:
a bytea of int8s on PostgreSQL, one text per column parsed by numpy on SQLite (no model
instances, no per-row tuples). The tree rules live in `forest.py`, what counts in `rules.py`.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import Case, Count, Exists, F, Max, Min, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from groundswell.actions.models import Petition, Signature

from . import credit, forest, rules

# One row of four integers per signature; the referrer and whether the signature counts
# travel together as referrer * 2 + counts (fewer values is most of the reading time).
COLUMNS = ("id", "petition_id", "supporter_id", "ref")
# Stored per scope: enough for the public leaderboard, which shows the first 20 of those who
# chose to appear there; the staff page shows the first DETAILED, with their details.
KEEP = 500
DETAILED = 100
CHUNK = 500  # ids per IN (…), well inside every database's limit on parameters
READ_BLOCK = 1_000_000  # signature ids per block read (tens of MB of text or bytes)
READERS = 2  # blocks read at once, each by a thread on its own connection


@dataclass(frozen=True)
class Timed:
    ranked: forest.Ranked
    signatures: int
    read_seconds: float
    rank_seconds: float


def signature_rows(petitions: tuple[int, int], ids: tuple[int, int] | None = None) -> Any:
    """The query behind the ranking: one row of plain integers per signature whose petition
    id lies in `petitions` (and whose own id in `ids`, low end excluded).

    The range is matched on `petition_id + 0`, which no index serves: the ranking reads
    (nearly) every row, and a scan in table order beats following the petition index to
    each row. A range costs the database next to nothing per row, where `IN (…)` cost a
    third of SQLite's time; rows of other organisations' petitions inside it are dropped
    afterwards (`load`).
    """
    rows = Signature.objects.alias(unindexed=F("petition_id") + 0).filter(
        unindexed__range=petitions
    )
    if ids is not None:
        rows = rows.filter(id__gt=ids[0], id__lte=ids[1])
    return rows.annotate(
        ref=Coalesce(F("referred_by_id"), Value(0)) * 2
        + Case(When(rules.counted(), then=Value(1)), default=Value(0)),
    ).values_list(*COLUMNS)


def load(organisation_id: int) -> forest.Rows:
    campaigns = list(
        Petition.objects.filter(organisation_id=organisation_id).values_list("id", "campaign_id")
    )
    if not campaigns:
        empty = np.zeros(0, dtype=np.int64)
        return forest.Rows(empty, empty, empty, empty, empty > 0, empty)
    petitions = (min(p for p, _ in campaigns), max(p for p, _ in campaigns))
    ids, petition, supporter, ref = _read(petitions)
    campaign_of = np.zeros(petitions[1] + 1, dtype=np.int64)  # 0: not this organisation's
    for petition_id, campaign_id in campaigns:
        campaign_of[petition_id] = campaign_id
    group = campaign_of[petition]
    mine = group > 0
    if not mine.all():
        ids, petition, supporter, ref, group = (
            a[mine] for a in (ids, petition, supporter, ref, group)
        )
    return forest.Rows(ids, petition, supporter, ref >> 1, (ref & 1) > 0, group)


def _read(petitions: tuple[int, int]) -> list[forest.Ints]:
    """Every column of the signatures in `petitions`, read in blocks of ids by READERS
    threads, each on its own connection: the database does the work of a block in one
    call that lets go of the GIL (SQLite's step; PostgreSQL's server process), so two
    blocks are read at once on two cores."""
    bounds = Signature.objects.aggregate(low=Min("id"), high=Max("id"))
    low, high = (bounds["low"] or 1) - 1, bounds["high"] or 0
    blocks = [(start, min(start + READ_BLOCK, high)) for start in range(low, high, READ_BLOCK)]
    read = _bytes_block if connection.vendor == "postgresql" else _concat_block
    if len(blocks) < 2 or transaction.get_connection().in_atomic_block:
        # One block, or inside a transaction (a test's) whose rows other connections
        # cannot see yet: read here.
        parts = [read(petitions, block) for block in blocks]
    else:
        with ThreadPoolExecutor(READERS) as pool:
            parts = list(pool.map(lambda block: _own_connection(read, petitions, block), blocks))
    return [
        np.concatenate([part[k] for part in parts]) if parts else np.zeros(0, dtype=np.int64)
        for k in range(len(COLUMNS))
    ]


def _own_connection(read: Any, petitions: tuple[int, int], block: tuple[int, int]) -> Any:
    try:
        return read(petitions, block)
    finally:
        connection.close()  # this thread's own


def _concat_block(petitions: tuple[int, int], block: tuple[int, int]) -> list[forest.Ints]:
    """SQLite: each column of the block as one comma-separated text, parsed by numpy.

    Handing rows to Python one by one cost about twice as much (a tuple and four integer
    objects per signature); SQLite's group_concat and numpy's parser are both plain C.
    """
    inner, params = signature_rows(petitions, block).query.sql_with_params()
    columns = ", ".join(f"group_concat(q.{name})" for name in COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*), {columns} FROM ({inner}) AS q", params)  # noqa: S608
        count, *texts = cursor.fetchone()
    read = []
    for text in texts:
        values = np.fromstring(text or "", dtype=np.int64, sep=",")
        if values.size != count:  # numpy stops quietly at anything it cannot read
            raise ValueError(f"Read {values.size} values of {count} signatures.")
        read.append(values)
    return read


def _bytes_block(petitions: tuple[int, int], block: tuple[int, int]) -> list[forest.Ints]:
    """PostgreSQL: the block as one bytea of big-endian int8s, four a signature, built by the
    server (`int8send`, `string_agg`) and viewed by numpy as it arrives.

    COPY … TO STDOUT in binary was the first choice, but a client reads COPY data one row
    per call: ten million calls from Python cost more than the query itself.
    """
    inner, params = signature_rows(petitions, block).query.sql_with_params()
    packed = " || ".join(f"int8send(q.{name}::int8)" for name in COLUMNS)
    statement = f"SELECT count(*), string_agg({packed}, ''::bytea) FROM ({inner}) AS q"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        count, data = cursor.fetchone()
    table = np.frombuffer(data or b"", dtype=">i8").reshape(-1, len(COLUMNS))
    if len(table) != count:
        raise ValueError(f"Read {len(table)} rows of {count} signatures.")
    return [table[:, k].astype(np.int64) for k in range(len(COLUMNS))]


def rank_organisation(organisation_id: int, *, top: int) -> Timed:
    started = time.perf_counter()
    rows = load(organisation_id)
    read = time.perf_counter()
    ranked = forest.rank(forest.grow(rows), top=top)
    return Timed(ranked, len(rows), read - started, time.perf_counter() - read)


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
