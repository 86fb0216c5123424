"""Keeping the roll-ups: counts in, DailyCount rows out. Run by the tasks in tasks.py.

Two ways in, one table out (models.DailyCount):

- counted kinds: each process writes what it counted as PendingCount rows (`write_pending`);
  `roll_up_pending` adds them into DailyCount and deletes them in one transaction, so a
  count is added exactly once;
- kinds from rows: `roll_up_rows` asks each kind for the counts of the last few days and
  replaces what DailyCount had for those days (so a signature confirmed today, or erased,
  shows in today's figures). `restate` counts older days again: every day an app says
  its verbs changed (a signature confirmed, struck out or put back) and every day since
  the previous run (a worker stopped for a week catches up). Only rows deleted outright
  (an erasure) leave the older days they counted on as they were.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection, transaction

from groundswell.accounts.models import Organisation
from groundswell.lib import analytics
from groundswell.lib.analytics import Dims, Key

from .models import DailyCount, Dimension, PendingCount, RestateCursor, Scope

# Days recounted from rows on every run: today and yesterday (a confirmation tomorrow of a
# signature from today lands on tomorrow, the day it happened).
ROW_WINDOW_DAYS = 2
PENDING_BATCH = 20_000
UPSERT_CHUNK = 400
# How far back `restate` looks again before where its last run stopped: a verb's rows are
# stamped inside its transaction, which may commit a moment after that run looked.
RESTATE_SLACK = timedelta(minutes=2)
# Where the first run starts: every change ever made (invalidations are few).
RESTATE_START = datetime(2000, 1, 1, tzinfo=UTC)
DELETE_CHUNK = 5000

# (organisation, scope, scope id, dimension, value, kind, day)
CubeKey = tuple[int, str, int, str, str, str, date]


def write_pending(counts: dict[Key, int]) -> None:
    """The writer of lib/analytics.Counter: one multi-row INSERT of a process's batch."""
    rows = [
        PendingCount(kind=kind, day=analytics.day_of(day), count=n, **dims._asdict())
        for (kind, day, dims), n in counts.items()
    ]
    try:
        PendingCount.objects.bulk_create(rows, batch_size=500)
    except Exception:
        # In the counter's own thread: a broken connection must not stay broken.
        connection.close()
        raise


def cells(kind: str, day: date, dims: Dims) -> Iterator[CubeKey]:
    """Every DailyCount an event of `kind` on `day` with `dims` adds to."""
    org = dims.organisation_id
    scopes = [(Scope.ORGANISATION.value, 0)]
    if dims.campaign_id:
        scopes.append((Scope.CAMPAIGN.value, dims.campaign_id))
    if dims.petition_id:
        scopes.append((Scope.PETITION.value, dims.petition_id))
    if dims.story_id:
        scopes.append((Scope.STORY.value, dims.story_id))
    values: list[tuple[str, str]] = [
        (Dimension.TOTAL.value, ""),
        (Dimension.CHANNEL.value, dims.channel or "site"),
    ]
    for kept, value in (
        (Dimension.REFERRER, dims.referrer),
        (Dimension.UTM_SOURCE, dims.utm_source),
        (Dimension.UTM_MEDIUM, dims.utm_medium),
        (Dimension.UTM_CAMPAIGN, dims.utm_campaign),
    ):
        if value:
            values.append((kept.value, value[:100]))
    for scope, scope_id in scopes:
        for dimension, value in values:
            yield (org, scope, scope_id, dimension, value, kind, day)


def spread(events: Iterable[tuple[str, date, Dims, int]]) -> Counter[CubeKey]:
    cube: Counter[CubeKey] = Counter()
    for kind, day, dims, n in events:
        for cell in cells(kind, day, dims):
            cube[cell] += n
    return cube


def _existing_organisations(cube: Counter[CubeKey]) -> set[int]:
    wanted = {key[0] for key in cube}
    return set(Organisation.objects.filter(pk__in=wanted).values_list("pk", flat=True))


def add(cube: Counter[CubeKey]) -> None:
    """Add `cube` into DailyCount: INSERT … ON CONFLICT DO UPDATE count = count + new."""
    known = _existing_organisations(cube)
    rows = [(*key, n) for key, n in cube.items() if key[0] in known and n]
    table = DailyCount._meta.db_table
    columns = "organisation_id, scope, scope_id, dimension, value, kind, day, count"
    conflict = "organisation_id, scope, scope_id, dimension, day, kind, value"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), UPSERT_CHUNK):
            chunk = rows[start : start + UPSERT_CHUNK]
            values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values} "  # noqa: S608 - fixed names
                f"ON CONFLICT ({conflict}) DO UPDATE SET count = {table}.count + excluded.count",
                [field for row in chunk for field in row],
            )


def roll_up_pending(limit: int = PENDING_BATCH) -> int:
    """Add up to `limit` pending counts into the roll-ups; returns how many rows it took."""
    with transaction.atomic():
        columns = ("pk", "kind", "day", "count", *Dims._fields)
        batch = list(PendingCount.objects.order_by("pk").values_list(*columns)[:limit])
        if not batch:
            return 0
        add(spread((row[1], row[2], Dims(*row[4:]), row[3]) for row in batch))
        # By id, not by "up to the last id": a batch another process commits meanwhile with
        # lower ids than this one's last was not read, and must wait for the next run.
        ids = [row[0] for row in batch]
        for start in range(0, len(ids), DELETE_CHUNK):
            PendingCount.objects.filter(pk__in=ids[start : start + DELETE_CHUNK]).delete()
    return len(batch)


def window(today: date, days: int = ROW_WINDOW_DAYS) -> tuple[date, date]:
    """The first day of the window and the day after its last."""
    return today - timedelta(days=days - 1), today + timedelta(days=1)


def at_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def roll_up_rows(first: date, after: date) -> int:
    """Recount every kind from rows over the days [first, after) and replace those days'
    figures; returns the number of events counted."""
    kinds = analytics.row_kinds()
    start, end = at_midnight(first), at_midnight(after)
    events: list[tuple[str, date, Dims, int]] = []
    for kind in kinds:
        assert kind.rows is not None
        events.extend((kind.name, day, dims, n) for day, dims, n in kind.rows(start, end))
    cube = spread(events)
    with transaction.atomic():
        DailyCount.objects.filter(
            kind__in=[kind.name for kind in kinds], day__gte=first, day__lt=after
        ).delete()
        add(cube)
    return sum(event[3] for event in events)


def restate(now: datetime, first: date) -> int:
    """Count again the days before `first` (where the recount window starts) that an app
    changed since the last run (`lib.analytics.restates`); returns the events counted."""
    cursor, _made = RestateCursor.objects.get_or_create(
        name="rows", defaults={"until": RESTATE_START}
    )
    days = {day for day in analytics.restated_days(cursor.until - RESTATE_SLACK, now)
            if day < first}  # fmt: skip
    if cursor.until > RESTATE_START:
        # Every day since the last run, too: a worker stopped for a week catches up on the
        # week (rows only ever added, like followers, say nothing of their own).
        day = (cursor.until - RESTATE_SLACK).astimezone(UTC).date()
        while day < first:
            days.add(day)
            day += timedelta(days=1)
    counted = sum(roll_up_rows(start, after) for start, after in spans(days))
    RestateCursor.objects.filter(pk=cursor.pk).update(until=now)
    return counted


def spans(days: Iterable[date]) -> Iterator[tuple[date, date]]:
    """Runs of consecutive days, as [first, after) pairs, counted in one go each."""
    start = after = None
    for day in sorted(set(days)):
        if after is not None and day == after:
            after = day + timedelta(days=1)
            continue
        if start is not None and after is not None:
            yield start, after
        start, after = day, day + timedelta(days=1)
    if start is not None and after is not None:
        yield start, after


def today() -> date:
    return datetime.now(UTC).date()
