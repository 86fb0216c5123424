"""Which trends and invalidations a member may reach (conventions, habit 2)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from groundswell.accounts.access import require
from groundswell.accounts.models import Membership

from .models import InvalidationBatch, Trend


def access_trend(membership: Membership, trend_id: int) -> Trend:
    """A trend of the member's organisation; 404 for any other organisation's."""
    require(membership, "fraud.view")
    return get_object_or_404(Trend.objects.for_organisation(membership.organisation), pk=trend_id)


def access_batch(
    membership: Membership, batch_id: int, *, for_change: bool = False
) -> InvalidationBatch:
    """An invalidation of the member's organisation; 404 for any other organisation's."""
    require(membership, "fraud.invalidate" if for_change else "fraud.view")
    return get_object_or_404(
        InvalidationBatch.objects.for_organisation(membership.organisation), pk=batch_id
    )
