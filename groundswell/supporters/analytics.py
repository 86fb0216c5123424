"""Unsubscribes, counted from the withdrawn consents (lib/analytics.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from django.utils.translation import gettext_lazy as _

from groundswell.lib.analytics import Dims, Kind, day_counts, register

from .models import Consent, Purpose


def unsubscribes(start: datetime, end: datetime) -> Iterator[tuple[date, Dims, int]]:
    withdrawn = Consent.objects.filter(
        purpose=Purpose.UPDATES, withdrawn_at__gte=start, withdrawn_at__lt=end
    )
    fields = {
        "organisation_id": "supporter__organisation_id",
        "campaign_id": "petition__campaign_id",
        "petition_id": "petition_id",
    }
    return day_counts(withdrawn, "withdrawn_at", fields, channel="email")


register(Kind("unsubscribe", _("Unsubscribes"), rows=unsubscribes, order=70))
