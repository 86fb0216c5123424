"""Sending the replies staff wrote to fediverse posts that listening heard.

Listening stores a reply (`listening.SignalReply`, through the safety gate and, where the
organisation requires it, an owner's approval) and never speaks ActivityPub; this module,
run by federation's worker, finds the post's author (the actor we know, else the post's
`attributedTo`, fetched) and queues a public Note in reply to the post, delivered to the
author's inbox like every other reply of ours (outbox.queue_note).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from groundswell.accounts.models import NOT_YET_PUBLIC
from groundswell.lib import leases
from groundswell.listening.models import ReplyState, Signal, SignalReply

from . import delivery, outbox, remote
from .models import Delivery, DeliveryState, RemoteActor
from .services import _author

# Replies handed to the worker per sweep.
PER_SWEEP = 100
# A sent reply's delivery gives up within delivery.GIVE_UP_AFTER; a day more covers a
# worker that was down meanwhile. Older sent replies are not looked at again.
SETTLED_AFTER = delivery.GIVE_UP_AFTER + timedelta(days=1)


def queued() -> list[int]:
    return list(SignalReply.objects.queued().values_list("pk", flat=True)[:PER_SWEEP])


def _author_of(signal: Signal) -> RemoteActor:
    if signal.author_key:
        return remote.actor_by_uri(signal.author_key)
    author_uri = _author(remote.fetch_json(signal.external_id))
    if not author_uri:
        raise remote.RemoteError("the post names no author")
    return remote.actor_by_uri(author_uri)


def send(reply_id: int) -> str:
    """Queue the Note for one reply; idempotent (a second run finds it sent)."""
    answer = (
        SignalReply.objects.select_related("signal__organisation")
        .filter(pk=reply_id, state=ReplyState.QUEUED)
        .first()
    )
    if answer is None:
        return "not queued"
    signal = answer.signal
    if not signal.organisation.is_public:
        SignalReply.objects.filter(pk=answer.pk, state=ReplyState.QUEUED).update(
            state=ReplyState.FAILED, error=str(NOT_YET_PUBLIC)[:300]
        )
        return "failed"
    try:
        author = _author_of(signal)  # may fetch: outside any transaction
    except remote.RemoteUnavailable:
        return "later"  # the sweep hands it out again
    except remote.RemoteError as error:
        reason = _("The post's author could not be found: %(error)s") % {"error": error}
        SignalReply.objects.filter(pk=answer.pk, state=ReplyState.QUEUED).update(
            state=ReplyState.FAILED, error=reason[:300]
        )
        return "failed"
    with transaction.atomic():
        # Two workers may both get here: the conditional UPDATE lets one queue the Note.
        taken = SignalReply.objects.filter(pk=answer.pk, state=ReplyState.QUEUED).update(
            state=ReplyState.SENT, sent_at=leases.now()
        )
        if not taken:
            return "taken"
        activity = outbox.queue_note(signal.organisation, signal.external_id, author, answer.text)
        note = activity.payload.get("object", {})
        note_uri = note.get("id", "") if isinstance(note, dict) else ""
        SignalReply.objects.filter(pk=answer.pk).update(note_uri=str(note_uri)[:500])
    return "sent"


def _activity_uuid(note_uri: str) -> uuid.UUID | None:
    # The Note's id is documents.note_uri(activity uuid): the uuid is its last segment.
    try:
        return uuid.UUID(note_uri.rstrip("/").rsplit("/", 1)[-1])
    except ValueError:
        return None


def settle() -> int:
    """Mark failed the sent replies whose Note's delivery gave up (refused, blocked, or
    out of retries): staff see why and may try again. How many were marked."""
    recent = SignalReply.objects.filter(
        state=ReplyState.SENT, sent_at__gte=leases.now() - SETTLED_AFTER
    ).exclude(note_uri="")
    by_activity: dict[uuid.UUID, int] = {}
    for pk, note_uri in recent.values_list("pk", "note_uri"):
        found = _activity_uuid(note_uri)
        if found is not None:
            by_activity[found] = pk
    if not by_activity:
        return 0
    given_up = Delivery.objects.filter(
        activity__uuid__in=list(by_activity), state=DeliveryState.GIVEN_UP
    ).values_list("activity__uuid", "last_error")
    marked = 0
    for activity_uuid, last_error in given_up:
        reason = _("The author's server did not take it: %(error)s") % {
            "error": last_error or _("no reason given")
        }
        marked += SignalReply.objects.filter(
            pk=by_activity[activity_uuid], state=ReplyState.SENT
        ).update(state=ReplyState.FAILED, error=reason[:300])
    return marked
