"""What volunteering counts in the funnels (lib/analytics.py): sign-ups, places confirmed and
volunteers checked in on the day. Counts only, never who."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from django.utils.translation import gettext_lazy as _

from groundswell.lib import analytics
from groundswell.lib.analytics import Dims, Kind, register

from .models import Signup


def _counted(when: str, start: datetime, end: datetime) -> Iterator[tuple[date, Dims, int]]:
    return analytics.shared_day_counts(Signup.objects.all(), when, "need__campaign_id", start, end)


def signed_up(start: datetime, end: datetime) -> Iterator[tuple[date, Dims, int]]:
    return _counted("created_at", start, end)


def confirmed(start: datetime, end: datetime) -> Iterator[tuple[date, Dims, int]]:
    """Places given, on the day they were given (a move up from the waitlist counts then)."""
    return _counted("confirmed_at", start, end)


def checked_in(start: datetime, end: datetime) -> Iterator[tuple[date, Dims, int]]:
    return _counted("checked_in_at", start, end)


register(Kind("volunteer_signup", _("Volunteer sign-ups"), rows=signed_up, order=27))
register(Kind("volunteer_confirmed", _("Volunteer places confirmed"), rows=confirmed, order=37))
register(
    Kind(
        "volunteer_checked_in", _("Volunteers checked in"), rows=checked_in, outcome=True, order=57
    )
)
