"""Which past days of the funnels a bulk invalidation or its undo changed (lib/analytics.py).

The signatures' own kinds (actions/analytics.py) leave invalidated signatures out; the
roll-up recounts only the last two days by itself, so the days of a batch's signatures are
handed to it here whenever the batch is made or undone.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

from django.db.models import Q

from groundswell.actions.models import Signature
from groundswell.lib.analytics import restates

from .models import InvalidatedSignature


@restates
def invalidation_days(since: datetime, until: datetime) -> Iterator[date]:
    """The days (signed, confirmed, supporter first met) of every signature in a batch made
    or undone between `since` and `until`."""
    changed = Q(batch__created_at__gte=since, batch__created_at__lt=until) | Q(
        batch__undone_at__gte=since, batch__undone_at__lt=until
    )
    ids = InvalidatedSignature.objects.filter(changed).values("signature_id")
    rows = Signature.objects.filter(pk__in=ids).values_list(
        "created_at", "confirmed_at", "supporter__created_at"
    )
    seen: set[date] = set()
    for moments in rows.iterator(chunk_size=5000):
        for moment in moments:
            if moment is not None:
                day = moment.astimezone(UTC).date()
                if day not in seen:
                    seen.add(day)
                    yield day
