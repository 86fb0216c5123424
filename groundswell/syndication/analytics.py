"""Posts sent to Bluesky and Mastodon, from the scheduled posts (lib/analytics.py).

Neither network tells a client how many people saw a post; a post sent is what we know.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from django.utils.translation import gettext_lazy as _

from groundswell.lib.analytics import Dims, Kind, day_counts, register

from .models import Network, ScheduledPost
from .workflow import PostState

CHANNEL = {Network.BLUESKY: "bluesky", Network.MASTODON: "mastodon"}


def posts_sent(start: datetime, end: datetime) -> Iterator[tuple[date, Dims, int]]:
    sent = ScheduledPost.objects.filter(state=PostState.SENT, sent_at__gte=start, sent_at__lt=end)
    fields = {
        "organisation_id": "organisation_id",
        "campaign_id": "story__campaign_id",
        "story_id": "story_id",
    }
    for network in Network:
        chosen = sent.filter(account__network=network)
        channel = CHANNEL.get(network, "other")
        yield from day_counts(chosen, "sent_at", fields, channel=channel)


register(Kind("post_sent", _("Posts sent"), rows=posts_sent, order=96))
