"""A shift's time in words, in the need's own time zone (stored in UTC)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.formats import date_format, time_format

from .models import Shift

DASH = "\u2013"  # an en dash between two times


def when(shift: Shift) -> str:
    zone = shift.need.zone
    start = timezone.localtime(shift.starts_at, zone)
    end = timezone.localtime(shift.ends_at, zone)
    day = date_format(start, "l j F Y")
    finish = time_format(end, "H:i")
    if end.date() != start.date():
        finish = f"{date_format(end, 'l j F')} {finish}"
    hours = f"{time_format(start, 'H:i')}{DASH}{finish}"
    return f"{day}, {hours} ({start.tzname()})"
