"""Inbound, the quick half: verify, check it is about something here, store, answer 202.

Everything slow (what the activity means for our rows, the Accept we owe) happens afterwards in
`processing.process`, run by a task. A refusal is an `InboxRefusal` with a 4xx status and a
message for the sender; nothing here may raise anything else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from groundswell.accounts.models import Organisation
from groundswell.listening import heard as listening

from . import documents, remote, signatures
from .models import Following, Interaction, ReceivedActivity, ReceivedState, RemoteActor
from .vocabulary import (
    ACTOR_TYPES,
    mentioned_organisation,
    object_id,
    our_story,
    quoted_story,
)

MAX_BODY_BYTES = 256 * 1024


class InboxRefusal(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


MAX_DEPTH = 32


def _check_shape(document: Any) -> None:
    """Refuse documents nested deeper than any activity needs, or holding a NUL character.

    Walked with a stack, not recursion, so the walk itself cannot overflow. PostgreSQL refuses
    NUL in text and in jsonb: such an activity could never be stored or looked up.
    """
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise InboxRefusal(400, "the activity contains a NUL character")
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_DEPTH:
            raise InboxRefusal(400, f"the activity is nested more than {MAX_DEPTH} levels deep")
        if isinstance(value, dict):
            stack.extend((key, depth) for key in value)
            stack.extend((item, depth + 1) for item in value.values())
        else:
            stack.extend((item, depth + 1) for item in value)


def parse(body: bytes) -> dict[str, Any]:
    try:
        activity = json.loads(body)
    except RecursionError:
        raise InboxRefusal(
            400, f"the activity is nested more than {MAX_DEPTH} levels deep"
        ) from None
    except (ValueError, UnicodeDecodeError):
        raise InboxRefusal(400, "the body is not JSON") from None
    if not isinstance(activity, dict):
        raise InboxRefusal(400, "the body is not a JSON object")
    _check_shape(activity)
    if not isinstance(activity.get("type"), str) or not activity["type"]:
        raise InboxRefusal(400, "the activity has no type")
    for field in ("id", "actor"):
        if not remote.is_address(object_id(activity.get(field))):
            raise InboxRefusal(400, f"the activity's {field} must be an address")
    return activity


def check_origin(activity: dict[str, Any]) -> None:
    """Refuse an activity that lives on another server than its actor, as Mastodon does.

    An actor speaks only for its own server: otherwise it could claim, or later update and
    delete, an id that belongs to someone else. The same holds for the Note of a Create.
    """
    actor_uri = object_id(activity["actor"])
    if not remote.same_origin(object_id(activity["id"]), actor_uri):
        raise InboxRefusal(403, "the activity's id is not on its actor's server")
    target = activity.get("object")
    if activity["type"] == "Create" and isinstance(target, dict):
        if not remote.is_address(object_id(target)):
            raise InboxRefusal(400, "the created object's id must be an address")
        if not remote.same_origin(object_id(target), actor_uri):
            raise InboxRefusal(403, "the created object is not on its actor's server")


def is_self_delete(activity: dict[str, Any]) -> bool:
    return activity.get("type") == "Delete" and object_id(activity.get("object")) == object_id(
        activity.get("actor")
    )


def knows_actor(activity: dict[str, Any]) -> bool:
    return RemoteActor.objects.filter(uri=object_id(activity.get("actor"))).exists()


@dataclass
class Verdict:
    """What the inbox could tell about a request's signature without any network request.

    `sender` is the verified actor, or None when the worker must fetch the key and verify
    `signature` (what it needs for that) before anything else happens.
    """

    sender: RemoteActor | None
    signature: dict[str, Any]


def authenticate(
    *, method: str, path: str, headers: dict[str, str], body: bytes, activity: dict[str, Any]
) -> Verdict:
    """Check the signature with the keys we already have; InboxRefusal when it cannot be good.

    Never fetches anything: a key we do not have, or one that must be fetched again because
    it may have been rotated, leaves the verdict to the worker (conventions, habit 10).
    """
    try:
        params = signatures.check_request(
            method=method, path=path, headers=headers, body=body, now=timezone.now()
        )
    except signatures.SignatureError as error:
        raise InboxRefusal(error.status, str(error)) from None
    key_id = params["keyId"]
    if not remote.is_address(key_id):
        raise InboxRefusal(400, "the signature's keyId must be an address")
    if "\x00" in params["_signing_string"]:
        raise InboxRefusal(400, "the signed headers must not contain a NUL character")
    actor_uri = object_id(activity.get("actor"))
    if remote.is_blocked(key_id) or remote.is_blocked(actor_uri):
        raise InboxRefusal(403, "this server does not accept activities from yours")
    pending = {
        "key_id": key_id,
        "signature": params["signature"],
        "signing_string": params["_signing_string"],
    }
    cached = remote.cached_actor_for_key(key_id)
    if cached is None:
        return Verdict(sender=None, signature=pending)
    if not signatures.verify(params, cached.public_key_pem):
        # Perhaps the key was rotated since we cached it: the worker looks once more, but
        # not on every request (a stream of bad signatures costs one fetch a minute).
        if remote.claim_refetch(cached):
            return Verdict(sender=None, signature={**pending, "refetch": True})
        raise InboxRefusal(401, "the signature does not verify")
    if cached.uri != actor_uri:
        # Relays and forwarded activities carry someone else's signature; we do not take them.
        raise InboxRefusal(401, "the activity's actor did not sign it")
    return Verdict(sender=cached, signature=pending)


def _followed_by_us(actor_uri: str) -> Organisation | None:
    following = Following.objects.filter(actor__uri=actor_uri).select_related("organisation")
    found = following.first()
    return found.organisation if found else None


def _known_interaction(uri: str, actor_uri: str) -> Interaction | None:
    return (
        Interaction.objects.filter(object_uri=uri, actor__uri=actor_uri)
        .select_related("story__organisation")
        .first()
    )


def addressed_to(activity: dict[str, Any]) -> Organisation | None:
    """Which of our organisations the activity concerns; InboxRefusal when it is none of them.

    Cheap lookups only: this runs before we answer.
    """
    kind = activity["type"]
    actor_uri = object_id(activity["actor"])
    target = activity.get("object")
    target_id = object_id(target)
    if kind == "Follow":
        pk = documents.local_id(target_id, "actor")
        organisation = Organisation.objects.public().filter(pk=pk).first() if pk else None
        if organisation is None:
            raise InboxRefusal(404, "there is no such actor here to follow")
        return organisation
    if kind in ("Like", "Announce"):
        story = our_story(target_id)
        if story is None:
            raise InboxRefusal(404, "the object is not one of our stories")
        return story.organisation
    if kind == "Create":
        if not isinstance(target, dict):
            raise InboxRefusal(422, "Create must embed its object")
        story = our_story(object_id(target.get("inReplyTo")))
        if story is not None:
            return story.organisation
        quoted = quoted_story(target)
        if quoted is not None:
            return quoted.organisation
        mentioned = mentioned_organisation(target)
        if mentioned is not None:
            return mentioned
        followed = _followed_by_us(actor_uri)
        if followed is not None:
            return followed
        raise InboxRefusal(422, "this is not a reply to, a quote of or a mention of us")
    if kind == "Undo":
        inner_type = target.get("type") if isinstance(target, dict) else None
        if inner_type == "Follow":
            pk = documents.local_id(object_id(target.get("object")), "actor")  # type: ignore[union-attr]
            organisation = Organisation.objects.public().filter(pk=pk).first() if pk else None
            if organisation is None:
                raise InboxRefusal(404, "there is no such actor here to unfollow")
            return organisation
        interaction = _known_interaction(target_id, actor_uri)
        if interaction is None and isinstance(target, dict):
            # Mastodon's Undo of a Like/Announce embeds it; the story is its object.
            story = our_story(object_id(target.get("object")))
            if story is not None:
                return story.organisation
        if interaction is None:
            raise InboxRefusal(422, "there is nothing here to undo")
        return interaction.story.organisation
    if kind in ("Update", "Delete"):
        if target_id == actor_uri or (
            isinstance(target, dict) and target.get("type") in ACTOR_TYPES
        ):
            if not RemoteActor.objects.filter(uri=target_id).exists():
                raise InboxRefusal(422, "we do not know that actor")
            if target_id != actor_uri:
                raise InboxRefusal(403, "an actor may only change itself")
            return None
        interaction = _known_interaction(target_id, actor_uri)
        if interaction is not None:
            return interaction.story.organisation
        heard_of = listening.organisation_of(target_id, actor_uri)
        if heard_of is not None:
            return heard_of
        followed = _followed_by_us(actor_uri)
        if followed is not None:
            return followed
        raise InboxRefusal(422, "that object is not known here")
    if kind in ("Accept", "Reject"):
        following = Following.objects.filter(follow_id=target_id, actor__uri=actor_uri).first()
        if following is None:
            raise InboxRefusal(422, "we sent no such Follow")
        return following.organisation
    raise InboxRefusal(422, f"activities of type {kind!r} are not accepted here")


def already_received(activity: dict[str, Any]) -> bool:
    """Whether a verified copy of this activity is here (unverified copies do not count)."""
    return (
        ReceivedActivity.objects.filter(activity_id=object_id(activity["id"]))
        .exclude(state__in=UNVERIFIED_STATES)
        .exists()
    )


UNVERIFIED_STATES = (ReceivedState.UNVERIFIED, ReceivedState.DISCARDED)
# Unverified activities waiting for the worker, beyond which an inbox asks senders to come back
# later (503): anyone can send those, so they must not fill the database unchecked.
MAX_UNVERIFIED_WAITING = 2000


def too_many_unverified() -> bool:
    waiting = ReceivedActivity.objects.filter(state=ReceivedState.UNVERIFIED)
    return waiting[MAX_UNVERIFIED_WAITING - 1 : MAX_UNVERIFIED_WAITING].exists()


def store(
    activity: dict[str, Any], organisation: Organisation | None, verdict: Verdict
) -> ReceivedActivity | None:
    """Keep the raw activity; None if that id was already received (a repeat is harmless).

    Unverified, it keeps the signature for the worker to check and holds no claim on the id.
    """
    fields: dict[str, Any] = {
        "activity_id": object_id(activity["id"]),
        "type": str(activity["type"])[:40],
        "actor_uri": object_id(activity["actor"]),
        "organisation": organisation,
        "payload": activity,
    }
    if verdict.sender is None:
        fields.update(state=ReceivedState.UNVERIFIED, signature=verdict.signature)
    try:
        with transaction.atomic():
            return ReceivedActivity.objects.create(**fields)
    except IntegrityError:
        return None
