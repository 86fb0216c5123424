"""What events count in the funnels (lib/analytics.py), from the attendance rows: RSVPs
taken, places confirmed (at once or from the waiting list), people who came (checked in at
the door) and RSVPs someone's share link brought. Counts only, never who."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from groundswell.lib import analytics
from groundswell.lib.analytics import Dims, Kind, register

from .models import Attendance

NO_CHANNEL = frozenset({"web", "share"})


def _dims(organisation_id: int, campaign_id: int, data: dict[str, str]) -> Dims:
    source = str(data.get("source", ""))
    source = "" if source in NO_CHANNEL else analytics.word(source)
    website = str(data.get("website", ""))
    referrer = analytics.referrer_host(f"https://{website}/") if website else ""
    return Dims(
        organisation_id=organisation_id,
        campaign_id=campaign_id,
        channel=analytics.channel_of(source, referrer),
        referrer=referrer,
    )


def _counted(
    rows: QuerySet[Attendance], when: str, start: datetime, end: datetime
) -> Iterator[tuple[date, Dims, int]]:
    counts: Counter[tuple[date, Dims]] = Counter()
    found = rows.filter(**{f"{when}__gte": start, f"{when}__lt": end}).values_list(
        when, "organisation_id", "event__campaign_id", "referrer_data"
    )
    for at, org, campaign, data in found.iterator(chunk_size=5000):
        counts[(at.astimezone(UTC).date(), _dims(org, campaign, data or {}))] += 1
    yield from ((day, dims, n) for (day, dims), n in counts.items())


def taken(start: datetime, end: datetime) -> Iterator[tuple[date, Dims, int]]:
    return _counted(Attendance.objects.all(), "created_at", start, end)


def confirmed(start: datetime, end: datetime) -> Iterator[tuple[date, Dims, int]]:
    """Places given, on the day they were given (cancelled later or not)."""
    return _counted(Attendance.objects.all(), "placed_at", start, end)


def attended(start: datetime, end: datetime) -> Iterator[tuple[date, Dims, int]]:
    return _counted(Attendance.objects.all(), "checked_in_at", start, end)


def referred(start: datetime, end: datetime) -> Iterator[tuple[date, Dims, int]]:
    rows = Attendance.objects.filter(referred_by__isnull=False)
    return _counted(rows, "decided_at", start, end)


register(Kind("rsvp", _("RSVPs"), rows=taken, order=27))
register(Kind("rsvp_confirmed", _("Event places confirmed"), rows=confirmed, order=37))
register(Kind("attended", _("People who came to events"), rows=attended, outcome=True, order=38))
register(Kind("referred_rsvp", _("Referred RSVPs"), rows=referred, outcome=True, order=57))
