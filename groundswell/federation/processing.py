"""Inbound, the slow half: what a stored activity means for our rows. Run by a task.

Each handler is idempotent: it may run twice for the same activity (a retried task, the
sweep) and leaves the same rows behind. Authorship is checked again here: only the author of
a reply may change or delete it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import nh3
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from groundswell.lib import leases
from groundswell.lib.html import ALLOWED_ATTRIBUTES, ALLOWED_TAGS
from groundswell.listening import heard as listening
from groundswell.listening.models import SignalSource

from . import documents, moderated, outbox
from .models import (
    Follower,
    Following,
    FollowingState,
    Interaction,
    InteractionKind,
    ReceivedActivity,
    ReceivedState,
    RemoteActor,
)
from .remote import RemoteError, fetch_actor, is_address, same_origin
from .vocabulary import (
    ACTOR_TYPES,
    mentioned_organisation,
    object_id,
    our_story,
    quoted_story,
)

log = logging.getLogger(__name__)

# Remote HTML keeps text formatting and links only: images from other servers would tell them
# who reads our pages.
REPLY_TAGS = ALLOWED_TAGS - {"img"}
REPLY_ATTRIBUTES = {tag: attrs for tag, attrs in ALLOWED_ATTRIBUTES.items() if tag != "img"}
MAX_REPLY_CHARS = 20_000


class Ignored(Exception):
    """The activity is valid but changes nothing here; the reason is kept on the row."""


def clean_html(html: Any) -> str:
    if not isinstance(html, str):
        return ""
    return nh3.clean(
        html[:MAX_REPLY_CHARS],
        tags=REPLY_TAGS,
        attributes=REPLY_ATTRIBUTES,
        url_schemes={"http", "https"},
        link_rel="nofollow noopener ugc",
    )


def is_public(document: dict[str, Any]) -> bool:
    """Whether the author addressed it to everyone (Public in `to` or `cc`: unlisted counts)."""
    audience: list[Any] = []
    for field in ("to", "cc"):
        value = document.get(field)
        audience += value if isinstance(value, list) else [value]
    return any(object_id(item) in documents.PUBLIC_FORMS for item in audience)


def _url(document: dict[str, Any]) -> str:
    value = document.get("url")
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("href", "")
    return value if is_address(value) else ""


# How long a worker may hold a claimed activity before the sweep hands it to another one.
LEASE = timedelta(minutes=5)
# A handler that raised is tried again after these waits, then left `failed` for good.
RETRY_AFTER = (timedelta(minutes=1), timedelta(minutes=10), timedelta(hours=1))
RETRY = leases.Retry(lease=LEASE, waits=RETRY_AFTER)
MAX_ATTEMPTS = RETRY.attempts


def claimable(moment: datetime) -> Q:
    """Rows a worker may take now: new ones, expired leases, failures due for a retry."""
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=moment)
    return Q(state=ReceivedState.RECEIVED) | (
        Q(state__in=(ReceivedState.PROCESSING, ReceivedState.FAILED))
        & RETRY.has_attempts_left()
        & due
    )


def process(received_id: int) -> str:
    """Claim one received activity and act on it; returns the state it ends in.

    The row is `processing` (under a lease) while its handler runs and is marked done only
    afterwards, so a worker dying half-way loses nothing: the sweep hands the row out again
    once the lease runs out. The handlers are idempotent, so running one twice is harmless.
    """
    moment = leases.now()
    claimed = leases.claim(
        ReceivedActivity.objects.filter(claimable(moment), pk=received_id),
        RETRY,
        moment,
        state=ReceivedState.PROCESSING,
    )
    received = ReceivedActivity.objects.filter(pk=received_id).first()
    if not claimed or received is None:
        return received.state if received else "missing"
    state, error, retry_at = ReceivedState.PROCESSED, "", None
    try:
        actor = RemoteActor.objects.get(uri=received.actor_uri)
        HANDLERS[received.type](received, actor, received.payload)
    except Ignored as reason:
        state, error = ReceivedState.IGNORED, str(reason)
    except RemoteActor.DoesNotExist:
        state, error = ReceivedState.IGNORED, "the actor is gone"
    except Exception as failure:  # one bad activity must not stop the queue
        log.exception("could not process received activity %s", received.pk)
        state, error = ReceivedState.FAILED, type(failure).__name__
        retry_at = RETRY.next_attempt(received.attempts, leases.now())
    ReceivedActivity.objects.filter(pk=received.pk, state=ReceivedState.PROCESSING).update(
        state=state, error=error[:300], processed_at=leases.now(), next_attempt_at=retry_at
    )
    return state


def _follow(received: ReceivedActivity, actor: RemoteActor, activity: dict[str, Any]) -> None:
    organisation = received.organisation
    if organisation is None:
        raise Ignored("no organisation")
    follow_id = object_id(activity["id"])
    with transaction.atomic():
        follower, created = Follower.objects.get_or_create(
            organisation=organisation, actor=actor, defaults={"follow_id": follow_id}
        )
        if not created and follower.follow_id != follow_id:
            Follower.objects.filter(pk=follower.pk).update(follow_id=follow_id)
        # Answer every Follow, repeated ones too: the first Accept may have been lost.
        outbox.queue_accept(organisation, actor, activity)


def _undo(received: ReceivedActivity, actor: RemoteActor, activity: dict[str, Any]) -> None:
    inner = activity.get("object")
    inner_id = object_id(inner)
    if isinstance(inner, dict) and inner.get("type") == "Follow":
        Follower.objects.filter(organisation=received.organisation, actor=actor).delete()
        return
    deleted, _ = Interaction.objects.filter(
        object_uri=inner_id, actor=actor, kind__in=(InteractionKind.LIKE, InteractionKind.BOOST)
    ).delete()
    listening.gone(inner_id, actor.uri)  # an undone boost is no longer heard
    if not deleted:
        # Perhaps the Follow was undone by id only.
        Follower.objects.filter(actor=actor, follow_id=inner_id).delete()


def _react(kind: str):  # type: ignore[no-untyped-def]
    def handle(received: ReceivedActivity, actor: RemoteActor, activity: dict[str, Any]) -> None:
        story = our_story(object_id(activity.get("object")))
        if story is None:
            raise Ignored("the story is gone")
        try:
            with transaction.atomic():
                Interaction.objects.create(
                    story=story,
                    actor=actor,
                    kind=kind,
                    object_uri=object_id(activity["id"]),
                    # Likes and boosts carry no words to moderate; they only count.
                    public=True,
                )
                if kind == InteractionKind.BOOST:
                    listening.heard(
                        story.organisation,
                        SignalSource.BOOST,
                        object_uri=object_id(activity["id"]),
                        author=_author(actor),
                        url=documents.absolute(story.get_absolute_url()),
                        campaign=story.campaign,
                    )
        except IntegrityError:
            pass  # the same Like again

    return handle


def _create(received: ReceivedActivity, actor: RemoteActor, activity: dict[str, Any]) -> None:
    note = activity["object"]
    story = our_story(object_id(note.get("inReplyTo")))
    if story is None:
        _heard_about(received, actor, activity, note)
        return
    if object_id(note.get("attributedTo")) not in ("", actor.uri):
        raise Ignored("the reply is attributed to someone else")
    uri = object_id(note)
    if not is_address(uri):
        raise Ignored("the reply has no id")
    if not same_origin(uri, actor.uri):
        # Checked at the inbox too; kept here because the row is what we trust later.
        raise Ignored("the reply does not live on its author's server")
    try:
        with transaction.atomic():
            reply = Interaction.objects.create(
                story=story,
                actor=actor,
                kind=InteractionKind.REPLY,
                object_uri=uri,
                url=_url(note),
                content_html=clean_html(note.get("content")),
                public=is_public(note) and is_public(activity),
            )
            # In the same transaction: a reply is never stored without its item.
            language = moderated.language_of(note, activity)
            moderated.queue_reply(reply, language)
            if reply.moderation is not None:
                listening.heard(
                    story.organisation,
                    SignalSource.REPLY,
                    object_uri=uri,
                    author=_author(actor),
                    url=reply.url,
                    content_html=reply.content_html,
                    language=language,
                    moderation=reply.moderation,
                    campaign=story.campaign,
                )
    except IntegrityError:
        pass  # delivered twice (a personal and a shared inbox, or a retry)


def _author(actor: RemoteActor) -> listening.Author:
    return listening.Author(
        key=actor.uri, name=actor.name, handle=actor.handle, url=actor.url or actor.uri
    )


def _heard_about(
    received: ReceivedActivity, actor: RemoteActor, activity: dict[str, Any], note: dict[str, Any]
) -> None:
    """A public post that quotes one of our stories or mentions an organisation: a signal
    for listening. Anything else (a post by someone we follow) has the stored activity as
    its record."""
    uri = object_id(note)
    if not is_address(uri) or not same_origin(uri, actor.uri) or not is_public(note):
        return
    quoted = quoted_story(note)
    organisation = quoted.organisation if quoted else mentioned_organisation(note)
    if organisation is None or organisation != received.organisation:
        return
    with transaction.atomic():
        listening.heard(
            organisation,
            SignalSource.QUOTE if quoted else SignalSource.MENTION,
            object_uri=uri,
            author=_author(actor),
            url=_url(note),
            content_html=clean_html(note.get("content")),
            language=moderated.language_of(note, activity),
            campaign=quoted.campaign if quoted else None,
        )


def _update(received: ReceivedActivity, actor: RemoteActor, activity: dict[str, Any]) -> None:
    target = activity.get("object")
    if not isinstance(target, dict):
        raise Ignored("Update must embed its object")
    if target.get("type") in ACTOR_TYPES:
        # Re-read the actor from its server rather than trusting the embedded copy's key.
        try:
            fetch_actor(actor.uri)
        except RemoteError as error:
            raise Ignored(str(error)) from None
        return
    reply = (
        Interaction.objects.filter(
            object_uri=object_id(target), actor=actor, kind=InteractionKind.REPLY
        )
        .select_related("actor", "story__organisation", "moderation")
        .first()
    )
    if reply is None:
        return
    reply.content_html = clean_html(target.get("content"))
    reply.public = is_public(target)
    with transaction.atomic():
        Interaction.objects.filter(pk=reply.pk).update(
            updated_at=timezone.now(), content_html=reply.content_html, public=reply.public
        )
        # Approval was for the words approved: the queue sends changed words back to a
        # moderator (and queues a reply that has just been made public).
        moderated.queue_reply(reply, moderated.language_of(target, activity))


def _delete(received: ReceivedActivity, actor: RemoteActor, activity: dict[str, Any]) -> None:
    target_id = object_id(activity.get("object"))
    if target_id == actor.uri:
        # The account is gone: so are its follows and everything it said to us.
        with transaction.atomic():
            moderated.forget(Interaction.objects.filter(actor=actor))
            listening.author_gone(actor.uri)
            actor.delete()
        return
    with transaction.atomic():
        gone = Interaction.objects.filter(object_uri=target_id, actor=actor)
        moderated.forget(gone)
        gone.delete()
        listening.gone(target_id, actor.uri)


def _answer(state: str):  # type: ignore[no-untyped-def]
    def handle(received: ReceivedActivity, actor: RemoteActor, activity: dict[str, Any]) -> None:
        Following.objects.filter(follow_id=object_id(activity.get("object")), actor=actor).update(
            state=state
        )

    return handle


HANDLERS = {
    "Follow": _follow,
    "Undo": _undo,
    "Like": _react(InteractionKind.LIKE),
    "Announce": _react(InteractionKind.BOOST),
    "Create": _create,
    "Update": _update,
    "Delete": _delete,
    "Accept": _answer(FollowingState.ACCEPTED),
    "Reject": _answer(FollowingState.REJECTED),
}
