"""The built-in demo timeline: a network that is a page of our own site.

It takes the same Outgoing as bluesky.py and mastodon.py and answers the same Delivered, so
scheduling, approval, the worker's claim and retries work exactly as for a real network;
only the "server" is a table, and no secret or outside account is involved.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from .models import ChannelAccount, LocalPost
from .outgoing import Delivered, Outgoing


def timeline_path(organisation_slug: str) -> str:
    return reverse("syndication:timeline", args=[organisation_slug])


def publish(account: ChannelAccount, post: Outgoing) -> Delivered:
    local, _created = LocalPost.objects.get_or_create(
        idempotency_key=post.idempotency_key,
        defaults={
            "organisation_id": account.organisation_id,
            "account": account,
            "text": post.text,
            "language": post.language,
            "link_url": post.link.url if post.link else "",
            "link_title": post.link.title[:500] if post.link else "",
            "image_alt": post.image.alt_text[:1000] if post.image else "",
        },
    )
    path = timeline_path(account.organisation.slug)
    return Delivered(
        remote_id=str(local.pk), remote_url=f"{settings.SITE_URL}{path}#post-{local.pk}"
    )
