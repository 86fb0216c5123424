"""What volunteering counts in the funnels (lib/analytics.py): sign-ups, places confirmed and
volunteers checked in on the day. Counts only, never who."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime

from django.utils.translation import gettext_lazy as _

from groundswell.lib import analytics
from groundswell.lib.analytics import Dims, Kind, register

from .models import Signup

NO_CHANNEL = frozenset({"web", "share"})


def _dims(organisation_id: int, campaign_id: int | None, data: dict[str, str]) -> Dims:
    source = str(data.get("source", ""))
    source = "" if source in NO_CHANNEL else analytics.word(source)
    website = str(data.get("website", ""))
    referrer = analytics.referrer_host(f"https://{website}/") if website else ""
    return Dims(
        organisation_id=organisation_id,
        campaign_id=campaign_id or 0,
        channel=analytics.channel_of(source, referrer),
        referrer=referrer,
    )


def _counted(when: str, start: datetime, end: datetime) -> Iterator[tuple[date, Dims, int]]:
    counts: Counter[tuple[date, Dims]] = Counter()
    found = Signup.objects.filter(**{f"{when}__gte": start, f"{when}__lt": end}).values_list(
        when, "organisation_id", "need__campaign_id", "referrer_data"
    )
    for at, org, campaign, data in found.iterator(chunk_size=5000):
        counts[(at.astimezone(UTC).date(), _dims(org, campaign, data or {}))] += 1
    yield from ((day, dims, n) for (day, dims), n in counts.items())


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
