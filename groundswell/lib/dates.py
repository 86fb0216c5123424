"""Calendar arithmetic shared by every app: weeks, months and an organisation's own day.

Weeks run Monday to Sunday (ISO 8601) everywhere: the time log's week, the impact report's
weeks and the social calendar's week view all start from `week_start`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.conf import settings
from django.utils import timezone


def week_start(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def month_bounds(first_of_month: date) -> tuple[date, date]:
    """The first and last day of the month `first_of_month` falls in."""
    first = first_of_month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def zone_named(name: str) -> tzinfo:
    """The zone of an IANA name ("Europe/London"); the site's (TIME_ZONE) for "" or an
    unknown name, so a zone database without that name never breaks a page."""
    try:
        return ZoneInfo(name or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


@cache
def zone_names() -> tuple[str, ...]:
    """Every IANA zone name this machine knows, sorted (read once per process)."""
    return tuple(sorted(available_timezones()))


def local_day(moment: datetime, zone: tzinfo) -> date:
    return timezone.localtime(moment, zone).date()


def day_start(day: date, zone: tzinfo) -> datetime:
    """The moment `day` begins in `zone` (its local midnight)."""
    return datetime.combine(day, time.min, tzinfo=zone)
