"""The ranking's compact copy of an organisation's signatures: four integers each, in blocks.

Reading ten million signature rows took most of the ranking's time (docs/performance.md,
P4): a row carries its comment, referrer data, keys and stamps, and the database walks all
of it to hand over four integers. So each organisation keeps those integers packed, one
`RankingBlock` per BLOCK signature ids, and a ranking reads a few hundred values.

The copy is exact when a ranking reads it, because `refresh` runs first and builds again
every block that may differ from the rows:

- a block holding a row whose `updated_at` is later than the last refresh's start, less
  MARGIN: a transaction that stamped its rows before that refresh began but committed
  after it read them is caught by the next one (every path that changes what the ranking
  reads stamps `updated_at`, as the tally's recount already needs);
- every block past the highest id the last refresh saw (new rows, whatever their clock);
- a block marked stale, where rows were deleted (`forget`; nothing is left to stamp); the
  mark stays until a refresh that began MARGIN after it has read the block, so a refresh
  that read the rows just before the deletion committed cannot clear it;
- the RECHECK blocks built longest ago, once they are older than RECHECK_AFTER: a slow
  sweep that puts right anything the rules above could miss (a row written by a server
  whose clock is behind by more than MARGIN, a deletion outside `forget`).

A block is built from the rows of its id range only, in a short transaction of its own, so
that a first build of millions of rows never holds SQLite's write lock for long. Two
refreshes at once do no harm: a block is only replaced by one read later than it, and the
first to create it wins the insert.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import Case, F, Max, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from groundswell.actions.models import Petition, Signature

from . import forest, rules
from .models import RankingBlock, RankingDigest

BLOCK = 1 << 16  # signature ids per block: ~150 blocks for ten million signatures
COLUMNS = ("id", "petition_id", "supporter_id", "ref")  # ref: referrer * 2 + counts
MARGIN = timedelta(minutes=5)
RECHECK = 2
RECHECK_AFTER = timedelta(hours=1)
READERS = 2  # blocks read at once, each by a thread on its own connection
DTYPE = np.dtype("<i8")


@dataclass(frozen=True)
class Refreshed:
    blocks: int  # built again
    seconds: float


def refresh(organisation_id: int) -> Refreshed:
    """Build again every block of the organisation that may differ from its rows."""
    started = time.perf_counter()
    began = timezone.now()
    petitions = _petition_range(organisation_id)
    digest = RankingDigest.objects.filter(organisation_id=organisation_id).first()
    high = Signature.objects.aggregate(high=Max("id"))["high"] or 0
    if petitions is None or high == 0:
        numbers: set[int] = set()
    elif digest is None:
        numbers = set(range(_block_of(1), _block_of(high) + 1))
    else:
        numbers = _changed(petitions, since=digest.checked_at - MARGIN)
        if high > digest.through:
            numbers.update(range(_block_of(digest.through + 1), _block_of(high) + 1))
        numbers.update(_stale_or_old(organisation_id, began))
    if numbers and petitions is not None:
        _build(organisation_id, petitions, sorted(numbers), began)
    RankingDigest.objects.update_or_create(
        organisation_id=organisation_id, defaults={"checked_at": began, "through": high}
    )
    return Refreshed(len(numbers), time.perf_counter() - started)


def read(organisation_id: int) -> list[forest.Ints]:
    """The organisation's signatures as COLUMNS, in id order, as the last refresh left them."""
    sql = (
        f"SELECT count, rows FROM {RankingBlock._meta.db_table} "  # noqa: S608 (our table)
        "WHERE organisation_id = %s ORDER BY number"
    )
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        import psycopg

        # Django's cursors bind on the client, which cannot take results in binary: as text,
        # the blocks' hundreds of megabytes would come as hex and be decoded (1.5 s of CPU at
        # ten million signatures, against 0.3-0.6 s this way).
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(sql, [organisation_id], binary=True)
            found = cursor.fetchall()
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, [organisation_id])
            found = cursor.fetchall()
    blocks = [
        np.frombuffer(rows, dtype=DTYPE).reshape(len(COLUMNS), count) for count, rows in found
    ]
    if not blocks:
        return [np.zeros(0, dtype=np.int64) for _ in COLUMNS]
    return [np.concatenate([block[k] for block in blocks]) for k in range(len(COLUMNS))]


def forget(signatures: Any) -> int:
    """Mark stale the blocks holding these signatures (a queryset), before they are deleted."""
    pairs = set(
        signatures.annotate(block=(F("id") - 1) / BLOCK)
        .values_list("petition__organisation_id", "block")
        .distinct()
        .order_by()
    )
    marked = 0
    for organisation_id in {o for o, _ in pairs}:
        numbers = [n for o, n in pairs if o == organisation_id]
        marked += RankingBlock.objects.filter(
            organisation_id=organisation_id, number__in=numbers
        ).update(stale_since=timezone.now())
    return marked


def _block_of(signature_id: int) -> int:
    return (signature_id - 1) // BLOCK


def _petitions_of(organisation_id: int) -> list[int]:
    return list(
        Petition.objects.filter(organisation_id=organisation_id).values_list("id", flat=True)
    )


def _petition_range(organisation_id: int) -> tuple[int, int] | None:
    found = _petitions_of(organisation_id)
    return (min(found), max(found)) if found else None


def _changed(petitions: tuple[int, int], *, since: datetime) -> set[int]:
    """Blocks with a row of the organisation's petitions stamped after `since`. The petition
    range is kept off its index (`+ 0`) so that the one on `updated_at` finds the rows
    without reading the rest."""
    return set(
        Signature.objects.alias(unindexed=F("petition_id") + 0)
        .filter(updated_at__gt=since, unindexed__range=petitions)
        .annotate(block=(F("id") - 1) / BLOCK)
        .values_list("block", flat=True)
        .distinct()
        .order_by()
    )


def _stale_or_old(organisation_id: int, now: datetime) -> set[int]:
    blocks = RankingBlock.objects.filter(organisation_id=organisation_id)
    stale = set(blocks.filter(stale_since__isnull=False).values_list("number", flat=True))
    old = blocks.filter(built_at__lt=now - RECHECK_AFTER).order_by("built_at")
    return stale | set(old.values_list("number", flat=True)[:RECHECK])


def _build(
    organisation_id: int, petitions: tuple[int, int], numbers: list[int], began: datetime
) -> None:
    mine = np.zeros(petitions[1] + 1, dtype=bool)
    mine[_petitions_of(organisation_id)] = True
    read = _bytes_block if connection.vendor == "postgresql" else _concat_block

    def rows_of(number: int) -> list[forest.Ints]:
        columns = read(petitions, (number * BLOCK, (number + 1) * BLOCK))
        keep = mine[columns[1]]
        return [c[keep] for c in columns] if not keep.all() else columns

    if len(numbers) < 2 or transaction.get_connection().in_atomic_block:
        # Inside a transaction (a test's) whose rows other connections cannot see yet.
        parts: Any = map(rows_of, numbers)
        _store(organisation_id, zip(numbers, parts, strict=True), began)
        return
    with ThreadPoolExecutor(READERS) as pool:
        parts = pool.map(lambda n: _own_connection(rows_of, n), numbers)
        _store(organisation_id, zip(numbers, parts, strict=True), began)


def _store(organisation_id: int, built: Any, began: datetime) -> None:
    """Write each block as its read arrives: only over a block read before `began` (another
    refresh may have written a later one meanwhile), and none for a block with no rows."""
    for number, columns in built:
        count = len(columns[0])
        with transaction.atomic():
            if count == 0:
                RankingBlock.objects.filter(
                    organisation_id=organisation_id, number=number, built_at__lt=began
                ).delete()
                continue
            # Column after column: `read` views a block as COLUMNS rows of `count`.
            packed = np.stack(columns).astype(DTYPE, copy=False).tobytes(order="C")
            fields = {"rows": packed, "count": count, "built_at": began}
            # A stale mark made less than MARGIN before this refresh began may belong to a
            # deletion that committed after these rows were read: it stays, for the next.
            kept_mark = Case(
                When(stale_since__gte=began - MARGIN, then=F("stale_since")), default=None
            )
            mine = RankingBlock.objects.filter(organisation_id=organisation_id, number=number)
            if not mine.filter(built_at__lt=began).update(**fields, stale_since=kept_mark):
                # None yet, or one read later than this (left alone); another refresh may
                # be creating it at this moment: whoever inserts first wins.
                RankingBlock.objects.bulk_create(
                    [RankingBlock(organisation_id=organisation_id, number=number, **fields)],
                    ignore_conflicts=True,
                )


def _own_connection(read: Any, number: int) -> Any:
    try:
        return read(number)
    finally:
        connection.close()  # this thread's own


def signature_rows(petitions: tuple[int, int], ids: tuple[int, int]) -> Any:
    """One row of plain integers per signature whose petition id lies in `petitions` and
    whose own id in `ids` (low end excluded).

    The petition range is matched on `petition_id + 0`, which no index serves: the id range
    already narrows the rows to one block, read in table order. Rows of other
    organisations' petitions inside the range are dropped afterwards.
    """
    return (
        Signature.objects.alias(unindexed=F("petition_id") + 0)
        .filter(unindexed__range=petitions, id__gt=ids[0], id__lte=ids[1])
        .annotate(
            ref=Coalesce(F("referred_by_id"), Value(0)) * 2
            + Case(When(rules.counted(), then=Value(1)), default=Value(0))
        )
        .values_list(*COLUMNS)
    )


def _concat_block(petitions: tuple[int, int], ids: tuple[int, int]) -> list[forest.Ints]:
    """SQLite: each column of the block as one comma-separated text, parsed by numpy.

    Handing rows to Python one by one cost about twice as much (a tuple and four integer
    objects per signature); SQLite's group_concat and numpy's parser are both plain C.
    """
    inner, params = signature_rows(petitions, ids).query.sql_with_params()
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


def _bytes_block(petitions: tuple[int, int], ids: tuple[int, int]) -> list[forest.Ints]:
    """PostgreSQL: the block as one bytea of big-endian int8s, four a signature, built by the
    server (`int8send`, `string_agg`) and viewed by numpy as it arrives.

    COPY … TO STDOUT in binary was the first choice, but a client reads COPY data one row
    per call: ten million calls from Python cost more than the query itself.
    """
    inner, params = signature_rows(petitions, ids).query.sql_with_params()
    packed = " || ".join(f"int8send(q.{name}::int8)" for name in COLUMNS)
    statement = f"SELECT count(*), string_agg({packed}, ''::bytea) FROM ({inner}) AS q"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        count, data = cursor.fetchone()
    table = np.frombuffer(data or b"", dtype=">i8").reshape(-1, len(COLUMNS))
    if len(table) != count:
        raise ValueError(f"Read {len(table)} rows of {count} signatures.")
    return [table[:, k].astype(np.int64) for k in range(len(COLUMNS))]
