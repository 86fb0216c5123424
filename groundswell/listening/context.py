"""What ingestion reads about an organisation, kept in the worker between polls.

Storing a poll's items needs the organisation's active keyword rules, its campaigns, its
muted sources and the fingerprints of its recent originals (near-duplicates are looked
for among them). Reading them all at every poll was four statements and up to 2,000 rows,
a fifth of a poll's CPU (docs/performance.md, P3). Each worker process now keeps them per
organisation and, at every poll, asks the database one cheap question first: the
organisation's *stamp*, aggregates over its rules, mutes and campaigns that any change
to them moves (a rule added or paused or resumed, a source muted or unmuted, a campaign
created, edited, deleted or published). A different stamp reads the three again, so a
change staff make counts from the next poll on, in every worker: no time-to-live during
which a muted source's items could come in as new. The fingerprints are read whole once a
FINGERPRINTS_READ_EVERY and, in between, only those newer than the newest held (one
statement returning a poll's worth of rows). A signal stored by another worker in a
transaction that committed after a later one is missed until that next whole read: a
near-duplicate of it is then stored as an original, as two workers storing near-duplicates
at once always were.

Ids are never reused by the database, so a stamp cannot come back to an older value with
different rows behind it; tests, whose databases are rolled back and reuse ids, call
`forget()` between tests.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from django.db import connection
from django.utils import timezone

from groundswell.accounts.models import Organisation
from groundswell.campaigns.models import Campaign

from .models import KeywordRule, MutedSource, Signal

# Near-duplicates are looked for among the organisation's signals of this period, newest
# first, at most NEAR_WINDOW_ROWS of them.
NEAR_WINDOW = timedelta(days=7)
NEAR_WINDOW_ROWS = 2000
# How often (seconds) the fingerprints are read whole rather than only the newer ones.
FINGERPRINTS_READ_EVERY = 60.0
# Organisations held per worker process at most (the least recently polled go first).
HELD_AT_MOST = 500


@dataclass
class Context:
    rules: list[KeywordRule]
    campaigns: list[Campaign]
    # The organisation's recent originals, newest first: their ids and fingerprints.
    ids: np.ndarray
    fingerprints: np.ndarray
    # Signal.source_key of the organisation's muted sources: their signals arrive ignored.
    muted: frozenset[str]
    # The words of the candidates read so far, by id (for one batch only).
    texts: dict[int, str] = field(default_factory=dict)
    # The candidates found for a (fingerprint, short), for one batch only.
    candidates: dict[tuple[int, bool], list[int]] = field(default_factory=dict)


@dataclass
class _Held:
    stamp: tuple[object, ...]
    rules: list[KeywordRule]
    campaigns: list[Campaign]
    muted: frozenset[str]
    ids: np.ndarray
    fingerprints: np.ndarray
    heard: np.ndarray  # heard_at, seconds since the epoch
    read_whole_at: float  # time.monotonic() of the last whole read of the fingerprints


_held: OrderedDict[int, _Held] = OrderedDict()


def forget() -> None:
    """Drop everything held (tests: the next database reuses ids)."""
    _held.clear()


def _stamp_sql() -> str:
    rules, mutes, campaigns, organisations = (
        model._meta.db_table for model in (KeywordRule, MutedSource, Campaign, Organisation)
    )
    # Rules are only added and paused or resumed: the active ones' ids, listed whole (a few
    # dozen at most; sums of ids, even with their squares, can agree for two different sets).
    # Mutes are only added and deleted; a campaign's save moves its updated_at; the
    # organisation's slug is in its campaigns' links. The table names are our models'; every
    # value is a parameter.
    mine = f"FROM {rules} WHERE organisation_id = %s AND active"
    if connection.vendor == "postgresql":
        active = f"(SELECT string_agg(id::text, ',' ORDER BY id) {mine})"
    else:
        active = f"(SELECT group_concat(id) FROM (SELECT id {mine} ORDER BY id))"  # noqa: S608
    return (
        f"SELECT (SELECT MAX(id) FROM {rules} WHERE organisation_id = %s), "  # noqa: S608
        f"{active}, "
        f"(SELECT COUNT(*) FROM {mutes} WHERE organisation_id = %s), "
        f"(SELECT MAX(id) FROM {mutes} WHERE organisation_id = %s), "
        f"(SELECT COUNT(*) FROM {campaigns} WHERE organisation_id = %s AND status <> %s), "
        f"(SELECT MAX(updated_at) FROM {campaigns} WHERE organisation_id = %s), "
        f"(SELECT slug FROM {organisations} WHERE id = %s)"
    )


def _stamp(organisation_id: int) -> tuple[object, ...]:
    with connection.cursor() as cursor:
        params: list[int | str] = [*[organisation_id] * 5, "draft", *[organisation_id] * 2]
        cursor.execute(_stamp_sql(), params)
        row = cursor.fetchone()
    return tuple(row)


def _recent(organisation: Organisation, *, after: int = 0) -> list[tuple[int, int, datetime]]:
    """The newest originals with words (those with ids above `after`, if given)."""
    rows = Signal.objects.filter(
        organisation=organisation, heard_at__gte=timezone.now() - NEAR_WINDOW, duplicate_of=None
    ).exclude(fingerprint=0)
    # The whole read walks the (organisation, heard_at) index; the other reads a few rows.
    order = ("-id",) if after else ("-heard_at", "-id")
    if after:
        rows = rows.filter(pk__gt=after)
    fields = rows.order_by(*order).values_list("id", "fingerprint", "heard_at")
    return list(fields[:NEAR_WINDOW_ROWS])


def _arrays(rows: list[tuple[int, int, datetime]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        np.array([pk for pk, _f, _h in rows], dtype=np.int64),
        np.array([fingerprint for _p, fingerprint, _h in rows], dtype=np.int64),
        np.array([heard.timestamp() for *_r, heard in rows], dtype=np.float64),
    )


def _read_settings(organisation: Organisation, stamp: tuple[object, ...]) -> _Held:
    return _Held(
        stamp=stamp,
        rules=list(KeywordRule.objects.filter(organisation=organisation, active=True)),
        campaigns=list(
            Campaign.objects.filter(organisation=organisation)
            .exclude(status="draft")
            .select_related("organisation")
            .order_by("-created_at")
        ),
        muted=frozenset(
            MutedSource.objects.filter(organisation=organisation).values_list("key", flat=True)
        ),
        ids=np.empty(0, dtype=np.int64),
        fingerprints=np.empty(0, dtype=np.int64),
        heard=np.empty(0, dtype=np.float64),
        read_whole_at=-FINGERPRINTS_READ_EVERY,
    )


def _refresh_fingerprints(organisation: Organisation, held: _Held) -> None:
    moment = time.monotonic()
    if moment - held.read_whole_at >= FINGERPRINTS_READ_EVERY:
        held.ids, held.fingerprints, held.heard = _arrays(_recent(organisation))
        held.read_whole_at = moment
        return
    newest = int(held.ids.max()) if len(held.ids) else 0
    ids, fingerprints, heard = _arrays(_recent(organisation, after=newest))
    oldest = (timezone.now() - NEAR_WINDOW).timestamp()
    keep = held.heard >= oldest
    held.ids = np.concatenate([ids, held.ids[keep]])[:NEAR_WINDOW_ROWS]
    held.fingerprints = np.concatenate([fingerprints, held.fingerprints[keep]])[:NEAR_WINDOW_ROWS]
    held.heard = np.concatenate([heard, held.heard[keep]])[:NEAR_WINDOW_ROWS]


def for_organisation(organisation: Organisation) -> Context:
    """The organisation's rules, campaigns, mutes and recent fingerprints as they are now:
    two statements when nothing changed since its last poll in this process."""
    stamp = _stamp(organisation.pk)
    held = _held.get(organisation.pk)
    if held is None or held.stamp != stamp:
        fresh = _read_settings(organisation, stamp)
        if held is not None:  # what the fingerprints were stays good
            fresh.ids, fresh.fingerprints, fresh.heard = held.ids, held.fingerprints, held.heard
            fresh.read_whole_at = held.read_whole_at
        held = fresh
    _held[organisation.pk] = held
    _held.move_to_end(organisation.pk)
    while len(_held) > HELD_AT_MOST:
        _held.popitem(last=False)
    _refresh_fingerprints(organisation, held)
    return Context(
        rules=held.rules,
        campaigns=held.campaigns,
        ids=held.ids,
        fingerprints=held.fingerprints,
        muted=held.muted,
    )
