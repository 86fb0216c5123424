"""What events count in the funnels (lib/analytics.py), from the attendance rows: RSVPs
taken, places confirmed (at once or from the waiting list), people who came (checked in at
the door) and RSVPs someone's share link brought. Counts only, never who."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from groundswell.lib import analytics
from groundswell.lib.analytics import Dims, Kind, register

from .models import Attendance


def _counted(
    rows: QuerySet[Attendance], when: str, start: datetime, end: datetime
) -> Iterator[tuple[date, Dims, int]]:
    return analytics.shared_day_counts(rows, when, "event__campaign_id", start, end)


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
