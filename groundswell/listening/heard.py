"""The facade federation calls when its inbox hears about an organisation (conventions,
habit 7): a reply, a mention, a boost or a quote becomes a signal; a Delete or an Undo
upstream deletes it here. Run in the worker, in federation's processing transaction.

A public reply's record is its moderation item: the signal links to it and copies none of
its words (`Signal.words` reads them), and it goes when the item goes (the author deleted
the reply: moderation withdraws the item, the foreign key cascades). A mention or a quote
keeps its own sanitised words; a boost has none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from groundswell.accounts.models import Organisation
from groundswell.campaigns.models import Campaign
from groundswell.moderation.models import ModerationItem

from . import signals
from .models import Signal, SignalSource
from .parsing import Item, clean

INBOX_SOURCES = (SignalSource.REPLY, SignalSource.MENTION, SignalSource.BOOST, SignalSource.QUOTE)


@dataclass(frozen=True)
class Author:
    key: str  # the actor's id
    name: str
    handle: str
    url: str
    followers: int | None = None


def heard(
    organisation: Organisation,
    source: SignalSource,
    *,
    object_uri: str,
    author: Author,
    url: str = "",
    content_html: str = "",
    language: str = "",
    published_at: datetime | None = None,
    moderation: ModerationItem | None = None,
    campaign: Campaign | None = None,
) -> Signal | None:
    """A signal for what the inbox heard; None if it was heard before."""
    item = Item(
        external_id=object_uri[:500],
        url=url,
        # Read for the rules and the campaign; a reply's are not stored (signals._store).
        content_html=clean(content_html),
        author_name=author.name[:200],
        author_handle=author.handle[:200],
        author_url=author.url if len(author.url) <= 500 else "",
        follower_count=author.followers,
        language=language,
        published_at=published_at,
    )
    signal = signals.heard_one(
        organisation, source, item, moderation=moderation, author_key=author.key[:500]
    )
    if signal is not None and campaign is not None and signal.campaign_id is None:
        Signal.objects.filter(pk=signal.pk).update(campaign=campaign)
    return signal


def gone(object_uri: str, author_key: str) -> int:
    """The author deleted (or undid) what we heard: its signals go. Returns how many."""
    return Signal.objects.filter(
        source__in=INBOX_SOURCES, external_id=object_uri, author_key=author_key
    ).delete()[0]


def author_gone(actor_uri: str) -> int:
    """The account was deleted upstream: everything we heard from it goes."""
    return Signal.objects.filter(source__in=INBOX_SOURCES, author_key=actor_uri).delete()[0]


def organisation_of(object_uri: str, author_key: str) -> Organisation | None:
    """Whose signal that post by that author is (for an inbox deciding whether a Delete or
    an Update concerns us), else None."""
    found = (
        Signal.objects.filter(
            source__in=INBOX_SOURCES, external_id=object_uri, author_key=author_key
        )
        .select_related("organisation")
        .first()
    )
    return found.organisation if found else None
