"""What the fediverse brings us about other people, and for how long (lib/retention.py).

Replies, likes and boosts of an organisation's stories name their author and, for a reply,
hold their words; once a moderator has decided about one in the moderation queue (a like, a
boost or a reply not addressed to the public needs no decision) it is kept for the period,
then deleted with its moderation item (the words as the moderator read them), and a reply
that was shown is no longer shown. Activities as they reached the inbox hold the same, and
more: once processed they are kept for the period for diagnosis. Remote actors' cached names
and keys (site-wide) go once nothing of ours points at them any more and they were last
fetched before the cutoff: the next activity from them fetches them again.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from groundswell.lib.retention import DELETE, Counts, Kind, register
from groundswell.moderation.models import ModerationState

from . import moderated
from .models import (
    Follower,
    Following,
    Interaction,
    ReceivedActivity,
    ReceivedState,
    RemoteActor,
)

if TYPE_CHECKING:
    from groundswell.accounts.models import Organisation

FINISHED = (
    ReceivedState.DISCARDED,
    ReceivedState.PROCESSED,
    ReceivedState.IGNORED,
    ReceivedState.FAILED,
)


def _decided(organisation: Organisation | None, cutoff: datetime) -> QuerySet[Interaction]:
    """Past the period and settled: unchanged since the cutoff, and either never queued or
    decided in the queue before the cutoff (a waiting or recently decided reply stays)."""
    return (
        Interaction.objects.filter(story__organisation=organisation, updated_at__lt=cutoff)
        .exclude(moderation__state=ModerationState.PENDING)
        .exclude(moderation__decided_at__gte=cutoff)
    )


def _received(organisation: Organisation | None, cutoff: datetime) -> QuerySet[ReceivedActivity]:
    return ReceivedActivity.objects.filter(
        organisation=organisation, state__in=FINISHED, received_at__lt=cutoff
    )


def count_remote(organisation: Organisation | None, cutoff: datetime) -> Counts:
    return {
        "interactions": _decided(organisation, cutoff).count(),
        "received activities": _received(organisation, cutoff).count(),
    }


def delete_remote(organisation: Organisation | None, cutoff: datetime) -> Counts:
    with transaction.atomic():
        ids = list(_decided(organisation, cutoff).values_list("pk", flat=True))
        gone = Interaction.objects.filter(pk__in=ids)
        moderated.forget(gone)
        return {
            "interactions": gone.delete()[0],
            "received activities": _received(organisation, cutoff).delete()[0],
        }


def _unused_actors(cutoff: datetime) -> QuerySet[RemoteActor]:
    return RemoteActor.objects.filter(fetched_at__lt=cutoff).exclude(
        Exists(Follower.objects.filter(actor=OuterRef("pk")))
        | Exists(Following.objects.filter(actor=OuterRef("pk")))
        | Exists(Interaction.objects.filter(actor=OuterRef("pk")))
    )


def count_actors(organisation: Organisation | None, cutoff: datetime) -> Counts:
    return {
        "remote actors": _unused_actors(cutoff).count(),
        "received activities": _received(None, cutoff).count(),
    }


def delete_actors(organisation: Organisation | None, cutoff: datetime) -> Counts:
    with transaction.atomic():
        return {
            "remote actors": _unused_actors(cutoff).delete()[0],
            # Activities addressed to no organisation of ours (the instance actor's inbox).
            "received activities": _received(None, cutoff).delete()[0],
        }


register(
    Kind(
        name="federation.remote",
        label=_("Fediverse replies and reactions"),
        covers=_(
            "Replies, likes and boosts of our stories from people on the fediverse: their "
            "name, address and words, and the messages their servers sent us."
        ),
        default_days=365,
        min_days=7,
        does=DELETE,
        run=delete_remote,
        count=count_remote,
        order=60,
    )
)
register(
    Kind(
        name="federation.remote_actors",
        label=_("Fediverse profiles we no longer need"),
        covers=_(
            "The name, address and public key of people on the fediverse, kept while they "
            "follow us, we follow them or their replies and reactions are kept."
        ),
        default_days=30,
        does=DELETE,
        run=delete_actors,
        count=count_actors,
        site_wide=True,
        order=50,
    )
)
