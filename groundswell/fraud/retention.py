"""Network ranges are personal data: how long signatures keep theirs (lib/retention.py).

A signature's range (its /24 or /64, never the address) is cleared after the period; the
ten-minute counts per range and the trends naming a range go at the same age. Not below
the BASELINE plus a day: detection compares a range with its own last fortnight.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from groundswell.actions.models import Signature
from groundswell.lib.retention import ANONYMISE, Counts, Kind, register

from .models import SourceCount, SourceKind, Trend
from .trends import BASELINE

if TYPE_CHECKING:
    from groundswell.accounts.models import Organisation

BATCH = 1000


def _with_range(organisation: Organisation | None, cutoff: datetime) -> QuerySet[Signature]:
    return Signature.objects.filter(
        petition__organisation=organisation, created_at__lt=cutoff
    ).exclude(network="")


def _counts(organisation: Organisation | None, cutoff: datetime) -> QuerySet[SourceCount]:
    return SourceCount.objects.filter(
        organisation=organisation, kind=SourceKind.NETWORK, bucket__lt=cutoff
    )


def _trends(organisation: Organisation | None, cutoff: datetime) -> QuerySet[Trend]:
    return Trend.objects.filter(
        organisation=organisation, kind=SourceKind.NETWORK, raised_at__lt=cutoff
    )


def count_ranges(organisation: Organisation | None, cutoff: datetime) -> Counts:
    return {
        "signatures": _with_range(organisation, cutoff).count(),
        "counts per range": _counts(organisation, cutoff).count(),
        "trends": _trends(organisation, cutoff).count(),
    }


def clear_ranges(organisation: Organisation | None, cutoff: datetime) -> Counts:
    cleared = 0
    # In batches, each its own short transaction: SQLite's write lock is the sign form's too.
    # update() leaves updated_at alone: nothing a tally counts has changed.
    while ids := list(_with_range(organisation, cutoff).values_list("pk", flat=True)[:BATCH]):
        cleared += Signature.objects.filter(pk__in=ids).update(network="")
    with transaction.atomic():
        counts = _counts(organisation, cutoff).delete()[0]
        trends = _trends(organisation, cutoff).delete()[0]
    return {"signatures": cleared, "counts per range": counts, "trends": trends}


register(
    Kind(
        name="fraud.network_ranges",
        label=_("Network addresses of signatures"),
        covers=_(
            "The network a signature was sent from, kept as its range (the first three "
            "parts of an IPv4 address, the first half of an IPv6 one), never the address "
            "itself, to spot many signatures arriving from one place."
        ),
        default_days=30,
        min_days=BASELINE.days + 1,
        does=ANONYMISE,
        run=clear_ranges,
        count=count_ranges,
        order=35,
    )
)
