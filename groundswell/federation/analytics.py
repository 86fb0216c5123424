"""The fediverse's part of the figures, from its rows (lib/analytics.py).

The fediverse reports no impressions: what we know is who follows and which inboxes took
each story (deliveries), so that is its reach.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from django.utils.translation import gettext_lazy as _

from groundswell.lib.analytics import Dims, Kind, day_counts, register

from .models import Delivery, DeliveryState, Follower, Interaction, InteractionKind

Counts = Iterator[tuple[date, Dims, int]]


def followers(start: datetime, end: datetime) -> Counts:
    gained = Follower.objects.filter(created_at__gte=start, created_at__lt=end)
    return day_counts(
        gained, "created_at", {"organisation_id": "organisation_id"}, channel="fediverse"
    )


def replies(start: datetime, end: datetime) -> Counts:
    received = Interaction.objects.filter(
        kind=InteractionKind.REPLY, created_at__gte=start, created_at__lt=end
    )
    fields = {
        "organisation_id": "story__organisation_id",
        "campaign_id": "story__campaign_id",
        "story_id": "story_id",
    }
    return day_counts(received, "created_at", fields, channel="fediverse")


def deliveries(start: datetime, end: datetime) -> Counts:
    delivered = Delivery.objects.filter(
        state=DeliveryState.DELIVERED, delivered_at__gte=start, delivered_at__lt=end
    )
    fields = {
        "organisation_id": "activity__organisation_id",
        "campaign_id": "activity__story__campaign_id",
        "story_id": "activity__story_id",
    }
    return day_counts(delivered, "delivered_at", fields, channel="fediverse")


register(Kind("follower_gained", _("Followers gained"), rows=followers, order=80))
register(Kind("reply_received", _("Replies received"), rows=replies, outcome=True, order=90))
register(Kind("delivery", _("Deliveries to inboxes"), rows=deliveries, order=95))
