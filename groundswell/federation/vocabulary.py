"""ActivityPub words shared by both halves of the inbox (and anything else that reads activities).

Kept apart from `inbox.py` (the quick half, before the 202) and `processing.py` (the slow half,
in the worker) so that neither has to import the other.
"""

from __future__ import annotations

from typing import Any

from groundswell.accounts.models import Organisation
from groundswell.stories.models import Story

from . import documents

# The actor types a remote server may send; an Update or Delete of one changes an actor, not a
# post.
ACTOR_TYPES = frozenset({"Person", "Service", "Organization", "Group", "Application"})


def object_id(value: Any) -> str:
    """The id of an embedded object or a bare address; '' when there is none."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else ""


def our_story(uri: str) -> Story | None:
    """The published story at one of our own addresses, else None.

    Only published stories take reactions: a draft's or an unpublished story's address is not
    something anyone should be replying to.
    """
    pk = documents.local_id(uri, "story")
    return Story.objects.published().filter(pk=pk).first() if pk else None


# Where servers say a post quotes another: FEP-044f's `quote`, Mastodon's and Misskey's older
# names, and Fedibird's `quoteUri`.
QUOTE_FIELDS = ("quote", "quoteUri", "quoteUrl", "_misskey_quote")


def quoted_story(note: dict[str, Any]) -> Story | None:
    """The published story of ours a post quotes, else None."""
    for field in QUOTE_FIELDS:
        story = our_story(object_id(note.get(field)))
        if story is not None:
            return story
    return None


def mentioned_organisation(note: dict[str, Any]) -> Organisation | None:
    """The public organisation whose actor a post mentions (a Mention tag, or its actor in
    `to` or `cc`), else None."""
    tags = note.get("tag")
    named: list[Any] = [
        tag.get("href")
        for tag in (tags if isinstance(tags, list) else [tags])
        if isinstance(tag, dict) and tag.get("type") == "Mention"
    ]
    for field in ("to", "cc"):
        value = note.get(field)
        named += value if isinstance(value, list) else [value]
    for uri in named[:50]:
        pk = documents.local_id(object_id(uri), "actor")
        if pk:
            found = Organisation.objects.public().filter(pk=pk).first()
            if found is not None:
                return found
    return None
