"""The signatures' part of a bulk invalidation (groundswell/fraud decides which, and when).

An invalidated signature keeps its row, state and place in the referral tree; it only stops
counting anywhere public. Both verbs stamp `updated_at` once their transaction has committed,
so `recount_petitions` (the only writer of tallies) recounts the petitions within a second,
and the page copy follows. Stamped inside the transaction, a recount that began before the
commit would be newer than the stamp yet blind to the change, and the count would stay
wrong until `reconcile_tallies` came round minutes later. Nobody is emailed: the person is
told nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from .models import Signature

CHUNK = 500


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    listed = list(ids)
    for start in range(0, len(listed), CHUNK):
        yield listed[start : start + CHUNK]


def invalidate(ids: Iterable[int], *, at: datetime) -> list[int]:
    """Mark those of `ids` still valid as invalidated at `at`; the ids marked.

    Call it inside a transaction. On PostgreSQL the rows are locked first, so two batches
    made at once never claim the same signature (the second finds it invalidated and skips
    it); SQLite's write lock does the same for the whole file.
    """
    marked: list[int] = []
    for chunk in _chunks(ids):
        rows = Signature.objects.filter(pk__in=chunk, invalidated_at__isnull=True)
        if connection.vendor != "sqlite":
            rows = rows.select_for_update()
        found = list(rows.values_list("pk", flat=True))
        Signature.objects.filter(pk__in=found).update(invalidated_at=at)
        marked += found
    _touch_after_commit(marked)
    return marked


def restore(ids: Iterable[int]) -> int:
    """Count the signatures among `ids` again; how many were invalidated."""
    listed = list(ids)
    restored = 0
    for chunk in _chunks(listed):
        restored += Signature.objects.filter(pk__in=chunk, invalidated_at__isnull=False).update(
            invalidated_at=None
        )
    _touch_after_commit(listed)  # a stamp on one that was valid already changes no count
    return restored


def _touch_after_commit(ids: list[int]) -> None:
    """Once the caller's transaction commits, stamp the rows changed now: any recount that
    began before this sees a newer change than its tally and counts again."""

    def touch() -> None:
        for chunk in _chunks(ids):
            Signature.objects.filter(pk__in=chunk).update(updated_at=timezone.now())

    transaction.on_commit(touch)
