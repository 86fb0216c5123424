"""What giving counts in the funnels (lib/analytics.py): gifts begun, payments received and
gifts someone's share link brought. Counts only: amounts are for owners, on the donations
page."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from groundswell.lib import analytics
from groundswell.lib.analytics import Dims, Kind, register

from .models import Donation, Payment


def _counted(
    rows: QuerySet[Donation], when: str, start: datetime, end: datetime
) -> Iterator[tuple[date, Dims, int]]:
    return analytics.shared_day_counts(rows, when, "appeal__campaign_id", start, end)


def begun(start: datetime, end: datetime) -> Iterator[tuple[date, Dims, int]]:
    return _counted(Donation.objects.all(), "created_at", start, end)


def received(start: datetime, end: datetime) -> Iterator[tuple[date, Dims, int]]:
    """Each payment (a one-off gift, each month of a monthly one) on the day it arrived."""
    counts: Counter[tuple[date, Dims]] = Counter()
    found = Payment.objects.filter(paid_at__gte=start, paid_at__lt=end).values_list(
        "paid_at",
        "donation__organisation_id",
        "donation__appeal__campaign_id",
        "donation__referrer_data",
    )
    for at, org, campaign, data in found.iterator(chunk_size=5000):
        counts[(at.astimezone(UTC).date(), analytics.shared_dims(org, campaign, data or {}))] += 1
    yield from ((day, dims, n) for (day, dims), n in counts.items())


def referred(start: datetime, end: datetime) -> Iterator[tuple[date, Dims, int]]:
    """Gifts that arrived through someone's share link, on the day they were first paid."""
    paid = Donation.objects.filter(Q(referred_by__isnull=False), paid_at__isnull=False)
    return _counted(paid, "paid_at", start, end)


register(Kind("donate", _("Donations begun"), rows=begun, order=26))
register(Kind("donation", _("Donations received"), rows=received, outcome=True, order=36))
register(Kind("referred_donation", _("Referred donations"), rows=referred, outcome=True, order=56))
