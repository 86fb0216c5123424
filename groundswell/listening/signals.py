"""Items → signals: one stream whatever the source, deduplicated, tagged and linked.

Run in the worker (polls, WebSub deliveries, the inbox's processing). Each item is stored
once per organisation and source (a unique constraint: a repeated delivery or two workers
at once leave one row); an item whose canonical address an earlier signal already has is
not stored again; one with nearly the same words is stored linked to the first
(dedupe.py). Then the keyword rules and the campaigns (rules.py). What this reads about the
organisation (rules, campaigns, mutes, recent fingerprints) the worker keeps between
polls (context.py).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import DataError, IntegrityError, transaction

from groundswell.accounts.models import Organisation

from . import context as held
from . import dedupe, rules
from .context import Context as _Context
from .models import KeywordRule, Monitor, Signal, SignalSource, SignalState
from .parsing import Item

# At most this many new items are taken from one poll (or one WebSub delivery): a feed
# whose item ids change at every poll would otherwise flood the stream.
MAX_NEW_PER_POLL = 50
# At most this many candidates (by fingerprint) are read and compared word for word.
NEAR_CANDIDATES = 20
HREF = re.compile(r'href="([^"]+)"')

log = logging.getLogger(__name__)


@dataclass
class Ingested:
    new: int = 0
    duplicates: int = 0
    over_cap: int = 0
    seen: int = 0


@dataclass
class _Ready:
    """One item made into a signal, not yet saved."""

    signal: Signal
    rules: list[KeywordRule]
    text: str
    short: bool
    # An earlier item of the same batch it nearly repeats (saved first, so linked after).
    echoes: _Ready | None = None


def ingest(
    organisation: Organisation,
    source: str,
    items: list[Item],
    *,
    monitor: Monitor | None = None,
    cap: int = MAX_NEW_PER_POLL,
) -> Ingested:
    """Store the items not heard before; returns what happened to them.

    Their signals go in together (a few statements for the whole batch, in a savepoint);
    if the database refuses the batch (an item another worker stored meanwhile, or one it
    cannot take), the batch is rolled back and saved item by item, each in its own
    savepoint, so the others are stored whatever one of them does."""
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
    context = held.for_organisation(organisation)
    kept: list[tuple[Item, str, _Words]] = []
    for item in fresh:
        address = canonical[item.external_id]
        if address and address in taken:
            result.duplicates += 1
            continue
        if address:
            taken.add(address)
        kept.append((item, address, _Words.of(item)))
    # Every candidate's words in one query, not one a item.
    _read_texts(context, [pk for *_, words in kept for pk in _candidates(words, context)])
    batch: list[_Ready] = []
    for item, address, words in kept:
        batch.append(
            _prepare(organisation, source, item, address, monitor, context, batch=batch, said=words)
        )
    try:
        with transaction.atomic():
            _save_together(batch)
        result.new = len(batch)
    except (IntegrityError, DataError):
        result.new = _save_one_by_one(batch)
    return result


def _prepare(
    organisation: Organisation,
    source: str,
    item: Item,
    address: str,
    monitor: Monitor | None,
    context: _Context,
    *,
    batch: Sequence[_Ready] = (),
    said: _Words | None = None,
    extra: dict[str, object] | None = None,
) -> _Ready:
    extra = extra or {}
    said = said or _Words.of(item)
    text, plain, fingerprint, short = said.text, said.plain, said.fingerprint, said.short
    original = _original(said, context)
    echoes = None if original is not None else _echo(text, fingerprint, short, batch)
    links = [item.url, *_links(item.content_html)]
    # A reply's words are its moderation item's: matched here, never copied.
    own_words = extra.get("moderation") is None
    words = rules.Words.of(text, item.language, links, bare=said.found)
    signal = Signal(
        organisation=organisation,
        monitor=monitor,
        source=source,
        external_id=item.external_id,
        url=item.url,
        canonical_url=address,
        title=item.title,
        content_html=item.content_html if own_words else "",
        text=plain[:5000] if own_words else "",
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
    return _Ready(signal, rules.matching(context.rules, words), text, short, echoes)


def _echo(text: str, fingerprint: int, short: bool, batch: Sequence[_Ready]) -> _Ready | None:
    """The first original earlier in this batch with nearly these words, else None."""
    for ready in batch:
        if ready.signal.duplicate_of_id is None and ready.echoes is None:
            seen = ready.signal.fingerprint
            if dedupe.candidate(fingerprint, seen, short=short) and dedupe.near(text, ready.text):
                return ready
    return None


def _save_together(batch: list[_Ready]) -> None:
    """Originals first (bulk_create gives them their ids: SQLite ≥ 3.35 and PostgreSQL
    return them), then the items that repeat one of them, then every rule link."""
    Signal.objects.bulk_create([ready.signal for ready in batch if ready.echoes is None])
    echoes = [ready for ready in batch if ready.echoes is not None]
    for ready in echoes:
        ready.signal.duplicate_of_id = ready.echoes.signal.pk  # type: ignore[union-attr]
    Signal.objects.bulk_create([ready.signal for ready in echoes])
    Link = Signal.rules.through
    Link.objects.bulk_create(
        [
            Link(signal_id=ready.signal.pk, keywordrule_id=rule.pk)
            for ready in batch
            for rule in ready.rules
        ]
    )


def _save_one_by_one(batch: list[_Ready]) -> int:
    """Each item in its own savepoint, in order; returns how many were stored."""
    stored = 0
    for ready in batch:
        signal = ready.signal
        signal.pk = None
        signal._state.adding = True
        if ready.echoes is not None:
            signal.duplicate_of_id = ready.echoes.signal.pk  # None if its original failed
        if _save(ready):
            stored += 1
        else:
            signal.pk = None
    return stored


def _save(ready: _Ready) -> bool:
    try:
        with transaction.atomic():
            ready.signal.save()
            Link = Signal.rules.through
            Link.objects.bulk_create(
                [Link(signal_id=ready.signal.pk, keywordrule_id=rule.pk) for rule in ready.rules]
            )
    except IntegrityError:
        # Heard already (a WebSub delivery and a poll at once), or a value a check refuses.
        return False
    except DataError as error:
        # Something in the item the database cannot take: the others still go in.
        log.warning("a %s item was not stored: %s", ready.signal.source, type(error).__name__)
        return False
    return True


@dataclass(frozen=True)
class _Words:
    text: str  # title and body, what dedupe and the rules read
    plain: str  # the body's words
    fingerprint: int
    short: bool
    found: list[str]  # dedupe.words(text): read once for the fingerprint and the rules

    @classmethod
    def of(cls, item: Item) -> _Words:
        plain = item.text
        text = " ".join(part for part in (item.title, plain) if part)
        found = dedupe.words(text)
        short = len(found) < dedupe.MIN_WORDS
        return cls(text, plain, dedupe.simhash(text, found), short, found)


def _candidates(said: _Words, context: _Context) -> list[int]:
    key = (said.fingerprint, said.short)
    if key not in context.candidates:
        found = dedupe.candidates_among(said.fingerprint, context.fingerprints, short=said.short)
        context.candidates[key] = [int(pk) for pk in context.ids[found[:NEAR_CANDIDATES]]]
    return context.candidates[key]


def _read_texts(context: _Context, ids: list[int]) -> None:
    wanted = [pk for pk in ids if pk not in context.texts]
    if wanted:
        rows = Signal.objects.filter(pk__in=wanted).values_list("pk", "title", "text")
        context.texts.update((pk, f"{title} {body}") for pk, title, body in rows)


def _original(said: _Words, context: _Context) -> int | None:
    """The first signal heard with nearly these words (dedupe.py), else None."""
    candidates = _candidates(said, context)
    _read_texts(context, candidates)
    for pk in sorted(candidates):  # the first heard wins
        if pk in context.texts and dedupe.near(said.text, context.texts[pk]):
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
    context = held.for_organisation(organisation)
    ready = _prepare(organisation, source, item, address, None, context, extra=extra)
    return ready.signal if _save(ready) else None


def forget_gone(monitor: Monitor, present: set[str], oldest_present: datetime | None) -> int:
    """Delete the monitor's feed signals that left its feed while newer than its oldest item:
    an item that falls off the end of a feed has aged out, one missing from among the items
    still there was deleted upstream. Returns how many were deleted."""
    if oldest_present is None:
        return 0
    gone = list(
        Signal.objects.filter(
            monitor=monitor, source=SignalSource.FEED, published_at__gte=oldest_present
        )
        .exclude(external_id__in=present)
        .values_list("pk", flat=True)
    )
    # Nearly always none: their ids first, a lighter statement than delete()'s own read of
    # whole rows; the delete then does what it must for the rows that point at them.
    return Signal.objects.filter(pk__in=gone).delete()[0] if gone else 0
