"""Items → signals: one stream whatever the source, deduplicated, tagged and linked.

Run in the worker (polls, WebSub deliveries, the inbox's processing). Each item is stored
once per organisation and source (a unique constraint: a repeated delivery or two workers
at once leave one row); an item whose canonical address an earlier signal already has is
not stored again; one with nearly the same words is stored linked to the first
(dedupe.py). Then the keyword rules and the campaigns (rules.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from groundswell.accounts.models import Organisation
from groundswell.campaigns.models import Campaign

from . import dedupe, rules
from .models import KeywordRule, Monitor, MutedSource, Signal, SignalSource, SignalState
from .parsing import Item

# At most this many new items are taken from one poll (or one WebSub delivery): a feed
# whose item ids change at every poll would otherwise flood the stream.
MAX_NEW_PER_POLL = 50
# Near-duplicates are looked for among the organisation's signals of this period, newest
# first, at most NEAR_WINDOW_ROWS of them.
NEAR_WINDOW = timedelta(days=7)
NEAR_WINDOW_ROWS = 2000
# At most this many candidates (by fingerprint) are read and compared word for word.
NEAR_CANDIDATES = 20
HREF = re.compile(r'href="([^"]+)"')


@dataclass
class Ingested:
    new: int = 0
    duplicates: int = 0
    over_cap: int = 0
    seen: int = 0


@dataclass
class _Context:
    rules: list[KeywordRule]
    campaigns: list[Campaign]
    fingerprints: list[tuple[int, int]]
    # Signal.source_key of the organisation's muted sources: their signals arrive ignored.
    muted: set[str]


def _context(organisation: Organisation) -> _Context:
    since = timezone.now() - NEAR_WINDOW
    recent = (
        Signal.objects.filter(organisation=organisation, heard_at__gte=since, duplicate_of=None)
        .exclude(fingerprint=0)
        .order_by("-heard_at")
        .values_list("id", "fingerprint")[:NEAR_WINDOW_ROWS]
    )
    return _Context(
        rules=list(KeywordRule.objects.filter(organisation=organisation, active=True)),
        campaigns=list(
            Campaign.objects.filter(organisation=organisation)
            .exclude(status="draft")
            .select_related("organisation")
            .order_by("-created_at")
        ),
        fingerprints=list(recent),
        muted=set(
            MutedSource.objects.filter(organisation=organisation).values_list("key", flat=True)
        ),
    )


def ingest(
    organisation: Organisation,
    source: str,
    items: list[Item],
    *,
    monitor: Monitor | None = None,
    cap: int = MAX_NEW_PER_POLL,
) -> Ingested:
    """Store the items not heard before; returns what happened to them."""
    result = Ingested(seen=len(items))
    ids = [item.external_id for item in items]
    known = set(
        Signal.objects.filter(
            organisation=organisation, source=source, external_id__in=ids
        ).values_list("external_id", flat=True)
    )
    fresh: list[Item] = []
    for item in items:
        if item.external_id not in known:
            known.add(item.external_id)
            fresh.append(item)
    if len(fresh) > cap:
        result.over_cap = len(fresh) - cap
        fresh = fresh[:cap]
    if not fresh:
        return result
    canonical = {item.external_id: dedupe.canonical_url(item.url) for item in fresh}
    taken = set(
        Signal.objects.filter(
            organisation=organisation,
            canonical_url__in=[url for url in canonical.values() if url],
        ).values_list("canonical_url", flat=True)
    )
    context = _context(organisation)
    for item in fresh:
        address = canonical[item.external_id]
        if address and address in taken:
            result.duplicates += 1
            continue
        if _store(organisation, source, item, address, monitor, context) is not None:
            result.new += 1
            if address:
                taken.add(address)
    return result


def _store(
    organisation: Organisation,
    source: str,
    item: Item,
    address: str,
    monitor: Monitor | None,
    context: _Context,
    **extra: object,
) -> Signal | None:
    text = " ".join(part for part in (item.title, item.text) if part)
    fingerprint = dedupe.simhash(text)
    short = len(dedupe.words(text)) < dedupe.MIN_WORDS
    original = _original(text, fingerprint, short, context)
    links = [item.url, *_links(item.content_html)]
    # A reply's words are its moderation item's: matched here, never copied.
    own_words = extra.get("moderation") is None
    words = rules.Words.of(text, item.language, links)
    signal = Signal(
        organisation=organisation,
        monitor=monitor,
        source=source,
        external_id=item.external_id,
        url=item.url,
        canonical_url=address,
        title=item.title,
        content_html=item.content_html if own_words else "",
        text=item.text[:5000] if own_words else "",
        author_name=item.author_name,
        author_handle=item.author_handle[:200],
        author_url=item.author_url,
        follower_count=item.follower_count,
        language=item.language,
        published_at=item.published_at,
        fingerprint=fingerprint,
        duplicate_of_id=original,
        campaign=rules.campaign_of(context.campaigns, words),
        **extra,
    )
    if context.muted and signal.source_key in context.muted:
        signal.state = SignalState.IGNORED
    try:
        with transaction.atomic():
            signal.save()
            signal.rules.set(rules.matching(context.rules, words))
    except IntegrityError:
        return None  # heard already (a WebSub delivery and a poll at once)
    if original is None and fingerprint:
        context.fingerprints.insert(0, (signal.pk, fingerprint))
    return signal


def _original(text: str, fingerprint: int, short: bool, context: _Context) -> int | None:
    """The first signal heard with nearly these words (dedupe.py), else None."""
    candidates = [
        pk for pk, seen in context.fingerprints if dedupe.candidate(fingerprint, seen, short=short)
    ][:NEAR_CANDIDATES]
    if not candidates:
        return None
    texts = {
        pk: f"{title} {body}"
        for pk, title, body in Signal.objects.filter(pk__in=candidates).values_list(
            "pk", "title", "text"
        )
    }
    for pk in sorted(candidates):  # the first heard wins
        if pk in texts and dedupe.near(text, texts[pk]):
            return pk
    return None


def _links(content_html: str) -> list[str]:
    return HREF.findall(content_html)[:20]


def heard_one(
    organisation: Organisation, source: str, item: Item, **extra: object
) -> Signal | None:
    """Store one item that reached us by itself (the inbox); None if it was heard before."""
    if Signal.objects.filter(
        organisation=organisation, source=source, external_id=item.external_id
    ).exists():
        return None
    address = dedupe.canonical_url(item.url)
    return _store(organisation, source, item, address, None, _context(organisation), **extra)


def forget_gone(monitor: Monitor, present: set[str], oldest_present: datetime | None) -> int:
    """Delete the monitor's feed signals that left its feed while newer than its oldest item:
    an item that falls off the end of a feed has aged out, one missing from among the items
    still there was deleted upstream. Returns how many were deleted."""
    if oldest_present is None:
        return 0
    gone = Signal.objects.filter(
        monitor=monitor, source=SignalSource.FEED, published_at__gte=oldest_present
    ).exclude(external_id__in=present)
    return gone.delete()[0]
