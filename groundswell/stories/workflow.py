"""The story workflow, written down once.

    draft ──submit──▶ in review ──approve──▶ approved ──publish──▶ published
      ▲                  │ return               │ return               │ unpublish
      └──────────────────┴──────────────────────┘                     ▼
                       unpublished ──submit / publish──────────▶ (as above)

Publishing straight from draft, in review or unpublished is allowed to whoever may approve
(an owner; or any writer when the organisation does not require approval): the approval is
recorded on the way. Taking approved or published work back (return from approved,
unpublish) likewise needs whoever may approve.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    UNPUBLISHED = "unpublished", _("Unpublished")


@dataclass(frozen=True)
class Transition:
    name: str
    label: StrOrPromise
    sources: frozenset[str]
    target: str
    permission: str
    refusal: StrOrPromise | None = None  # what someone without `permission` is told


TAKE_DOWN_REFUSAL = _(
    "This organisation requires approval: only an owner can take approved or published "
    "content down. Ask an owner to do it."
)

TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "submit", _("Submit for review"), frozenset({State.DRAFT, State.UNPUBLISHED}),
        State.IN_REVIEW, "content.write",
    ),
    Transition(
        "approve", _("Approve"), frozenset({State.IN_REVIEW}), State.APPROVED, "content.approve",
    ),
    Transition(
        "return", _("Return to draft"), frozenset({State.IN_REVIEW}), State.DRAFT,
        "content.write",
    ),
    # Approved work is the approver's decision: only they (or, without an approval step,
    # any writer) undo it. An editor's edit still withdraws approval (services.py).
    Transition(
        "return", _("Return to draft"), frozenset({State.APPROVED}), State.DRAFT,
        "content.approve", TAKE_DOWN_REFUSAL,
    ),
    Transition(
        "publish", _("Publish"), frozenset({State.APPROVED}), State.PUBLISHED, "content.write",
    ),
    Transition(
        "publish", _("Publish"),
        frozenset({State.DRAFT, State.IN_REVIEW, State.UNPUBLISHED}),
        State.PUBLISHED, "content.approve",
    ),
    Transition(
        "unpublish", _("Unpublish"), frozenset({State.PUBLISHED}), State.UNPUBLISHED,
        "content.approve", TAKE_DOWN_REFUSAL,
    ),
)  # fmt: skip

ACTIONS = frozenset(t.name for t in TRANSITIONS)


def find_transition(name: str, source: str) -> Transition | None:
    return next((t for t in TRANSITIONS if t.name == name and source in t.sources), None)


def available(source: str, can: object) -> list[Transition]:
    """Transitions from `source` that a member (with a `can(permission)` method) may take."""
    seen: set[str] = set()
    result = []
    for transition in TRANSITIONS:
        if (
            source in transition.sources
            and transition.name not in seen
            and can(transition.permission)  # type: ignore[operator]
        ):
            result.append(transition)
            seen.add(transition.name)
    return result
