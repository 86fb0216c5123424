"""The kinds of things that pass moderation, and what each needs from the queue.

A capability that takes words from the public registers its kind once, at start-up (its
AppConfig.ready), and hands each submission to `services.submit` as a `Submission`. Its own
row keeps a foreign key to the `ModerationItem` it got back and asks that item's state
before showing anything: the item is the one source of truth. The queue knows nothing of
the kinds' models; a kind that must act on a decision (not only read the state) gives an
`on_decision` callback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.functional import Promise

if TYPE_CHECKING:
    from .models import ModerationItem


@dataclass(frozen=True)
class Submission:
    """What a moderator needs to read one item: the kind turns its row into this.

    `text` is plain text (the guard's offsets point into it); `author_key` is stable per
    author within the kind (an actor's address, a supporter's id) and finds their history.
    """

    text: str
    author_key: str
    author_label: str = ""
    author_url: str = ""
    language: str = ""
    context_label: str = ""
    public_url: str = ""
    source_url: str = ""


@dataclass(frozen=True)
class Kind:
    """One kind of item.

    `premoderated`: nothing is shown before a moderator approves it. A kind that is shown at
    once instead gets its clean items approved by the queue as they arrive; an item with a
    guard finding or a held phrase still waits for a moderator.
    `refuse_approval(item)`: a reason this item can never be shown, or None.
    `on_decision(item)`: runs inside the decision's transaction, after the state changed.
    """

    name: str
    label: str | Promise
    premoderated: bool = True
    refuse_approval: Callable[[ModerationItem], str | None] | None = field(default=None)
    on_decision: Callable[[ModerationItem], None] | None = field(default=None)


_kinds: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Add a kind; registering the same kind again (a reloaded app) changes nothing."""
    existing = _kinds.get(kind.name)
    if existing is not None and existing != kind:
        raise ValueError(f"another moderation kind is already called {kind.name!r}")
    _kinds[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    """Remove a kind (tests that register their own)."""
    _kinds.pop(name, None)


def get(name: str) -> Kind:
    """The kind called `name`; a KeyError names a kind nobody registered."""
    return _kinds[name]


def all_kinds() -> list[Kind]:
    return sorted(_kinds.values(), key=lambda kind: kind.name)
