"""What listening keeps about other people, and for how long (lib/retention.py).

Signals name their authors (a name, a handle, a profile address, a follower count) and
hold their public words. They are not joined to supporters' records: an author is a handle
on another service, never an email address, and we cannot tell a supporter from a namesake,
so a supporter's export and erasure do not search them. Instead a signal goes when its
author deletes it upstream (a fediverse Delete, an item gone from its feed) and, at the
latest, when the period below has passed. The privacy notice says so. Colleagues' notes
on a signal go with it. A muted source (a handle or a profile's address, so that what they
say arrives ignored) is kept for its own period, from when it was muted.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from groundswell.lib.retention import DELETE, Deleting, Kind, register

from .models import MutedSource, Signal, WebSubDelivery

if TYPE_CHECKING:
    from groundswell.accounts.models import Organisation


def _signals(organisation: Organisation | None, cutoff: datetime) -> QuerySet[Signal]:
    return Signal.objects.filter(organisation=organisation, heard_at__lt=cutoff)


def _deliveries(organisation: Organisation | None, cutoff: datetime) -> QuerySet[WebSubDelivery]:
    # A body a hub pushed is parsed within seconds; one left behind (its task lost) goes here.
    return WebSubDelivery.objects.filter(received_at__lt=cutoff)


def _muted(organisation: Organisation | None, cutoff: datetime) -> QuerySet[MutedSource]:
    return MutedSource.objects.filter(organisation=organisation, created_at__lt=cutoff)


SIGNALS = Deleting("signals", _signals)
MUTED = Deleting("muted sources", _muted)
DELIVERIES = Deleting("pushed feed updates", _deliveries)

register(
    Kind(
        name="listening.signals",
        label=_("What we heard (listening)"),
        covers=_(
            "Public posts and feed items our monitors picked up, and fediverse mentions, "
            "replies, boosts and quotes of us: their author's name, handle, profile address "
            "and follower count, and their words. They are not linked to supporters' records; "
            "each goes as soon as its author deletes it where it was published."
        ),
        default_days=180,
        min_days=7,
        does=DELETE,
        run=SIGNALS.run,
        count=SIGNALS.count,
        order=65,
    )
)
register(
    Kind(
        name="listening.muted",
        label=_("Sources we muted (listening)"),
        covers=_(
            "The handle or profile address of someone whose posts our monitors should set "
            "aside, from when a colleague muted them until they are unmuted or this period ends."
        ),
        default_days=365,
        min_days=7,
        does=DELETE,
        run=MUTED.run,
        count=MUTED.count,
        order=65,
    )
)
register(
    Kind(
        name="listening.websub",
        label=_("Feed updates waiting to be read"),
        covers=_(
            "Feed documents a publisher's hub pushed to us, kept until the worker reads them."
        ),
        default_days=2,
        does=DELETE,
        run=DELIVERIES.run,
        count=DELIVERIES.count,
        site_wide=True,
        order=66,
    )
)
