"""Counting signatures per source, and finding the sources that trend (docs/fraud.md).

`count_new_signatures` reads the signatures recorded since its last turn by id (the
primary key: no index is added to the sign path's table) and adds them to ten-minute
`SourceCount` buckets per organisation: per network range, per email domain and in all.
`detect` then compares each source's last hour with its own share of the organisation's
signatures over the BASELINE before it (statistics.py) and raises a `Trend`, at most one
per source per THROTTLE. Both run in the worker (`tasks.watch_sources`), never in a request.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Sum

from groundswell.actions.models import Signature
from groundswell.lib.statistics import split_baseline

from .models import ScanCursor, SourceCount, SourceKind, Trend
from .statistics import MIN_SIGNATURES, baseline_share, trending

BUCKET = timedelta(minutes=10)
WINDOW = timedelta(hours=1)
BASELINE = timedelta(days=14)
THROTTLE = WINDOW  # one alert per source per window
# A signature is counted once it is this old: a transaction still open that long (holding
# a lower id than one already counted) is not expected; see docs/fraud.md.
SETTLE = timedelta(seconds=30)
SCAN_BATCH = 5000
INSERT_ROWS = 400  # rows per multi-row upsert (5 parameters each)

Key = tuple[int, str, str, datetime]  # organisation, kind, source, bucket


def bucket_of(moment: datetime) -> datetime:
    seconds = int(BUCKET.total_seconds())
    floored = int(moment.timestamp()) // seconds * seconds
    return datetime.fromtimestamp(floored, tz=moment.tzinfo)


def window_start(now: datetime) -> datetime:
    """The first bucket of the window ending now: six buckets, the last one still filling."""
    return bucket_of(now) - (WINDOW - BUCKET)


def count_new_signatures(now: datetime) -> int:
    """Add the signatures recorded since the last turn to the buckets; how many were read.

    Rows are read in id order up to the first one younger than SETTLE, so a batch the
    intake worker is still committing is read whole at the next turn. The cursor moves in
    the same transaction as the counts.
    """
    cursor, _created = ScanCursor.objects.get_or_create(name="signatures")
    rows = list(
        Signature.objects.filter(pk__gt=cursor.last_id)
        .order_by("pk")
        .values_list("pk", "petition__organisation_id", "network", "email_domain", "created_at")[
            :SCAN_BATCH
        ]
    )
    settled = now - SETTLE
    counts: Counter[Key] = Counter()
    last = cursor.last_id
    for pk, organisation_id, network, domain, created_at in rows:
        if created_at > settled:
            break
        bucket = bucket_of(created_at)
        counts[(organisation_id, SourceKind.ALL, "", bucket)] += 1
        if network:
            counts[(organisation_id, SourceKind.NETWORK, network, bucket)] += 1
        if domain:
            counts[(organisation_id, SourceKind.DOMAIN, domain, bucket)] += 1
        last = pk
    if last == cursor.last_id:
        return 0
    with transaction.atomic():
        _add(counts)
        ScanCursor.objects.filter(pk=cursor.pk).update(last_id=last)
    return sum(count for key, count in counts.items() if key[1] == SourceKind.ALL)


def _add(counts: Counter[Key]) -> None:
    """Upsert the counts: one multi-row INSERT … ON CONFLICT DO UPDATE per INSERT_ROWS."""
    table = SourceCount._meta.db_table
    adapt = connection.ops.adapt_datetimefield_value
    items = list(counts.items())
    with connection.cursor() as db:
        for start in range(0, len(items), INSERT_ROWS):
            chunk = items[start : start + INSERT_ROWS]
            values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(chunk))
            params: list[Any] = []
            for (organisation_id, kind, source, bucket), count in chunk:
                params += [organisation_id, str(kind), source, adapt(bucket), count]
            db.execute(
                f"INSERT INTO {table} (organisation_id, kind, source, bucket, signatures) "  # noqa: S608
                f"VALUES {values} ON CONFLICT (organisation_id, kind, source, bucket) "
                f"DO UPDATE SET signatures = {table}.signatures + excluded.signatures",
                params,
            )


def detect(now: datetime) -> list[Trend]:
    """Raise a Trend for each source trending now and not raised within THROTTLE."""
    start = window_start(now)
    candidates = (
        SourceCount.objects.filter(bucket__gte=start)
        .exclude(kind=SourceKind.ALL)
        .values("organisation_id", "kind", "source")
        .annotate(n=Sum("signatures"))
        .filter(n__gte=MIN_SIGNATURES)
        .order_by("organisation_id", "kind", "source")
    )
    by_organisation: dict[int, list[tuple[str, str, int]]] = defaultdict(list)
    for row in candidates:
        by_organisation[row["organisation_id"]].append((row["kind"], row["source"], row["n"]))
    raised = []
    for organisation_id, sources in by_organisation.items():
        in_window = _total(organisation_id, start, now + BUCKET)
        before = _total(organisation_id, start - BASELINE, start)
        for kind, source, observed in sources:
            trend = _check(organisation_id, kind, source, observed, in_window, before, now)
            if trend is not None:
                raised.append(trend)
    return raised


def _total(organisation_id: int, since: datetime, until: datetime) -> int:
    rows = SourceCount.objects.filter(
        organisation_id=organisation_id,
        kind=SourceKind.ALL,
        bucket__gte=since,
        bucket__lt=until,
    )
    return int(rows.aggregate(n=Sum("signatures"))["n"] or 0)


def _check(
    organisation_id: int,
    kind: str,
    source: str,
    observed: int,
    in_window: int,
    before: int,
    now: datetime,
) -> Trend | None:
    start = window_start(now)
    mine = Trend.objects.filter(organisation_id=organisation_id, kind=kind, source=source)
    if mine.filter(raised_at__gt=now - THROTTLE).exists():
        return None
    # Hours in which this source trended before are left out of its baseline (and of the
    # total), so an attack that went on for days never becomes its normal.
    earlier = list(
        mine.filter(window_end__gt=start - BASELINE).values_list("window_start", "window_end")
    )
    history = SourceCount.objects.filter(
        organisation_id=organisation_id,
        kind=kind,
        source=source,
        bucket__gte=start - BASELINE,
        bucket__lt=start,
    ).values_list("bucket", "signatures")
    source_before, left_out = split_baseline(history, earlier)
    share = baseline_share(source_before, before - left_out)
    found, expected, tail = trending(observed, in_window, share)
    if not found:
        return None
    return Trend.objects.create(
        organisation_id=organisation_id,
        kind=kind,
        source=source,
        window_start=start,
        window_end=now,
        signatures=observed,
        window_total=in_window,
        baseline_share=share,
        expected=expected,
        tail=tail,
        raised_at=now,
    )


def forget_old_counts(now: datetime) -> int:
    """Buckets older than the baseline are of no more use: delete them."""
    cutoff = window_start(now) - BASELINE
    return SourceCount.objects.filter(bucket__lt=cutoff).delete()[0]
