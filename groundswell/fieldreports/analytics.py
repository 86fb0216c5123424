"""What reports count in the analytics (lib/analytics.py): reports sent and reports
published, per campaign and day. Counts only, never who sent one."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime

from django.utils.translation import gettext_lazy as _

from groundswell.lib.analytics import Dims, Kind, register

from .models import FieldReport


def _counted(when: str, start: datetime, end: datetime) -> Iterator[tuple[date, Dims, int]]:
    counts: Counter[tuple[date, Dims]] = Counter()
    found = FieldReport.objects.filter(**{f"{when}__gte": start, f"{when}__lt": end}).values_list(
        when, "organisation_id", "campaign_id"
    )
    for at, organisation_id, campaign_id in found.iterator(chunk_size=5000):
        dims = Dims(organisation_id=organisation_id, campaign_id=campaign_id)
        counts[(at.astimezone(UTC).date(), dims)] += 1
    yield from ((day, dims, n) for (day, dims), n in counts.items())


def sent(start: datetime, end: datetime) -> Iterator[tuple[date, Dims, int]]:
    return _counted("created_at", start, end)


def published(start: datetime, end: datetime) -> Iterator[tuple[date, Dims, int]]:
    """Reports on the day staff published them (taken down later or not)."""
    return _counted("published_at", start, end)


register(Kind("field_report", _("Reports from the ground sent"), rows=sent, order=70))
register(
    Kind(
        "field_report_published",
        _("Reports from the ground published"),
        rows=published,
        outcome=True,
        order=71,
    )
)
