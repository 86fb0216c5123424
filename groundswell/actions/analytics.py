"""What signing counts in the funnels, from the signature rows themselves (lib/analytics.py).

A signature's channel, referring site and utm values are those its referral data recorded
when it was taken in; its story is the story page its form was on, if it was on one. A
signature a bulk invalidation struck out (`invalidated_at`, groundswell/fraud) counts in no
step until the batch is undone; the fraud app tells the roll-up which past days to recount.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlsplit

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from groundswell.lib import analytics
from groundswell.lib.analytics import Dims, Kind, register, restates
from groundswell.stories.models import Story

from .models import Signature, SignatureState

# The story page a form was on: /o/<org>/stories/<slug>/ (stories/urls.py).
STORY_PATH = re.compile(r"/o/(?P<org>[-\w]+)/stories/(?P<slug>[-\w]+)/")
# What the sign view records as the source when no share channel came with the link.
NO_CHANNEL = frozenset({"web", "share"})

Row = tuple[datetime, int, int, int, str, dict[str, str]]
FIELDS = (
    "petition__organisation_id", "petition__campaign_id", "petition_id", "channel",
    "referrer_data",
)  # fmt: skip


def signature_dims(
    organisation_id: int,
    campaign_id: int,
    petition_id: int,
    source: str,
    referrer_data: dict[str, str],
    stories: dict[tuple[int, str], int],
) -> Dims:
    url = str(referrer_data.get("url", ""))
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = urlsplit("")
    try:
        query = parse_qs(parts.query, max_num_fields=20) if parts.query else {}
    except ValueError:  # more fields than any tagged link has: read as untagged
        query = {}

    def utm(name: str) -> str:
        return analytics.word((query.get(name) or [""])[0])

    website = str(referrer_data.get("website", ""))
    referrer = analytics.referrer_host(f"https://{website}/") if website else ""
    source = "" if source in NO_CHANNEL else analytics.word(source)
    found = STORY_PATH.search(parts.path)
    story_id = stories.get((organisation_id, found["slug"]), 0) if found else 0
    return Dims(
        organisation_id=organisation_id,
        campaign_id=campaign_id or 0,
        petition_id=petition_id,
        story_id=story_id,
        channel=analytics.channel_of(source, referrer, utm("utm_source"), utm("utm_medium")),
        referrer=referrer,
        utm_source=utm("utm_source"),
        utm_medium=utm("utm_medium"),
        utm_campaign=utm("utm_campaign"),
    )


def _story_ids(urls: list[str]) -> dict[tuple[int, str], int]:
    slugs = {found["slug"] for url in urls if (found := STORY_PATH.search(url))}
    if not slugs:
        return {}
    stories = Story.objects.filter(slug__in=slugs).values_list("organisation_id", "slug", "pk")
    return {(org, slug): pk for org, slug, pk in stories}


def _counted(
    when: str, rows: Q, start: datetime, end: datetime
) -> Iterator[tuple[date, Dims, int]]:
    found = list(
        Signature.objects.filter(
            rows, invalidated_at__isnull=True, **{f"{when}__gte": start, f"{when}__lt": end}
        )
        .values_list(when, *FIELDS)
        .iterator(chunk_size=5000)
    )
    stories = _story_ids([str(row[5].get("url", "")) for row in found])
    counts: Counter[tuple[date, Dims]] = Counter()
    for at, org, campaign, petition, source, data in found:
        dims = signature_dims(org, campaign, petition, source, data, stories)
        counts[(at.astimezone(UTC).date(), dims)] += 1
    for (day, dims), n in counts.items():
        yield day, dims, n


def signs(start: datetime, end: datetime) -> Iterator[tuple[date, Dims, int]]:
    return _counted("created_at", Q(), start, end)


# What an outcome counts: a signature its signer confirmed (and, as every kind here, never
# struck out). The funnel's "sign" step counts every signature as taken in.
CONFIRMED = Q(state=SignatureState.CONFIRMED)


def confirmations(start: datetime, end: datetime) -> Iterator[tuple[date, Dims, int]]:
    return _counted("confirmed_at", CONFIRMED, start, end)


def referred(start: datetime, end: datetime) -> Iterator[tuple[date, Dims, int]]:
    """Confirmed signatures through someone's link, on the day they were confirmed."""
    return _counted("confirmed_at", CONFIRMED & Q(referred_by__isnull=False), start, end)


@restates
def changed_days(since: datetime, until: datetime) -> Iterator[date]:
    """The days (signed, confirmed, supporter first met) of every signature changed between
    `since` and `until`: confirming one stamps `updated_at`, and a supporter first met days
    ago becomes a new supporter on that day only once they confirm."""
    rows = Signature.objects.filter(updated_at__gte=since, updated_at__lt=until).values_list(
        "created_at", "confirmed_at", "supporter__created_at"
    )
    seen: set[date] = set()
    for moments in rows.iterator(chunk_size=5000):
        for moment in moments:
            if moment is not None:
                day = moment.astimezone(UTC).date()
                if day not in seen:
                    seen.add(day)
                    yield day


def new_supporters(start: datetime, end: datetime) -> Iterator[tuple[date, Dims, int]]:
    """Supporters first met in the span, each counted once, by their first confirmed, valid
    signature (someone who never confirmed, or was struck out, is no supporter won)."""
    first = (
        Signature.objects.filter(
            CONFIRMED,
            supporter__created_at__gte=start,
            supporter__created_at__lt=end,
            invalidated_at__isnull=True,
        )
        .order_by("supporter_id", "pk")
        .values_list("supporter_id", "supporter__created_at", *FIELDS)
    )
    seen: set[int] = set()
    counts: Counter[tuple[date, Dims]] = Counter()
    rows = list(first.iterator(chunk_size=5000))
    stories = _story_ids([str(row[6].get("url", "")) for row in rows])
    for supporter, at, org, campaign, petition, source, data in rows:
        if supporter in seen:
            continue
        seen.add(supporter)
        dims = signature_dims(org, campaign, petition, source, data, stories)
        counts[(at.astimezone(UTC).date(), dims)] += 1
    for (day, dims), n in counts.items():
        yield day, dims, n


register(Kind("sign", _("Signatures"), rows=signs, order=20))
register(Kind("confirm", _("Confirmed signatures"), rows=confirmations, outcome=True, order=30))
register(Kind("referred_sign", _("Referred signatures"), rows=referred, outcome=True, order=50))
register(Kind("new_supporter", _("New supporters"), rows=new_supporters, outcome=True, order=60))
