"""ActivityPub words shared by both halves of the inbox (and anything else that reads activities).

Kept apart from `inbox.py` (the quick half, before the 202) and `processing.py` (the slow half,
in the worker) so that neither has to import the other.
"""

from __future__ import annotations

from typing import Any

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
