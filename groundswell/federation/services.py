"""The federation facade: what the rest of Groundswell calls, and the staff's verbs.

Deciding whether a reply is shown is the moderation queue's (moderated.py hands replies to it).

`story_published`, `story_updated` and `story_unpublished` only write an outbound activity row
and enqueue its fan-out after the caller's transaction commits; they never touch the network.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from groundswell.accounts.access import require
from groundswell.accounts.models import Membership, Organisation
from groundswell.audit.services import record
from groundswell.safety import services as safety
from groundswell.stories.models import Story
from groundswell.stories.workflow import State

from . import outbox, remote
from .models import (
    Following,
    FollowingState,
    Interaction,
    InteractionKind,
    OutboxActivity,
)


def story_published(story: Story) -> OutboxActivity | None:
    """Send Create(Article) to the organisation's followers."""
    if story.state != State.PUBLISHED or not story.organisation.is_public:
        return None
    return outbox.queue_story(story, "Create")


def story_updated(story: Story) -> OutboxActivity | None:
    """Send Update(Article) if the story is out there; edits to drafts go nowhere."""
    if story.state != State.PUBLISHED or not story.organisation.is_public:
        return None
    return outbox.queue_story(story, "Update")


def story_unpublished(story: Story) -> OutboxActivity | None:
    """Send Delete(Tombstone): followers' servers remove their copy."""
    if not story.organisation.is_public:
        return None  # it never went out
    return outbox.queue_story(story, "Delete")


def _check_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise ValidationError(_("Write something to reply."))
    if len(text) > 5000:
        raise ValidationError(_("Keep replies under 5,000 characters."))
    return text


@transaction.atomic
def reply(
    membership: Membership, interaction: Interaction, text: str, *, safety_reason: str = ""
) -> OutboxActivity:
    """Reply from the hub to a public reply: a public Note to its author's inbox.

    The text passes the safety check first; `safety_reason` is an owner's or safety
    officer's written reason to let flagged text out, recorded as an override.
    """
    require(membership, "fediverse.reply")
    if interaction.kind != InteractionKind.REPLY:
        raise ValidationError(_("Only replies can be answered, not likes or boosts."))
    if not interaction.public:
        # Our answer is public and mentions them: it must not reveal what they said privately.
        raise ValidationError(
            _("Its author did not make this reply public, so it cannot be answered.")
        )
    text = _check_text(text)
    organisation = membership.organisation
    # The Note's content is fixed once queued, so this is the last moment to check it.
    safety.gate(membership, "reply", interaction, text, reason=safety_reason, field="text")
    activity = outbox.queue_note(organisation, interaction.object_uri, interaction.actor, text)
    record(
        organisation=membership.organisation,
        actor=membership.user,
        action="federation.reply",
        target=interaction,
        summary=_("Replied to fediverse reply #%(id)s") % {"id": interaction.pk},
    )
    return activity


def reply_to_object(organisation: Organisation, object_uri: str, text: str) -> OutboxActivity:
    """Reply to any public post elsewhere (used by the `federation reply` command)."""
    text = _check_text(text)
    # No one can record an override from the command line: flagged text is refused, before
    # anything is fetched.
    safety.require_safe("reply", None, text, organisation=organisation)
    document = remote.fetch_json(object_uri)
    author_uri = _author(document)
    if not author_uri:
        raise remote.RemoteError("the post names no author")
    author = remote.actor_by_uri(author_uri)
    with transaction.atomic():
        return outbox.queue_note(organisation, object_uri, author, text)


def _author(document: dict[str, Any]) -> str:
    value = document.get("attributedTo") or document.get("actor")
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("id", "")
    return value if isinstance(value, str) else ""


def follow(organisation: Organisation, handle: str) -> Following:
    """Follow someone elsewhere (`name@server` or an actor address); they answer with Accept."""
    target = remote.resolve_handle(handle)
    existing = Following.objects.filter(organisation=organisation, actor=target).first()
    if existing is not None and existing.state == FollowingState.ACCEPTED:
        return existing
    with transaction.atomic():
        activity = outbox.queue_follow(organisation, target)
        follow_id = activity.payload["id"]
        try:
            with transaction.atomic():
                following, _created = Following.objects.update_or_create(
                    organisation=organisation,
                    actor=target,
                    defaults={"follow_id": follow_id, "state": FollowingState.PENDING},
                )
        except IntegrityError:
            following = Following.objects.get(organisation=organisation, actor=target)
    return following
