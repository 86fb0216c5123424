"""`{% event_callout campaign %}`: the campaign's coming events, on its page and its stories'."""

from __future__ import annotations

from typing import Any

from django import template

from ..models import Event

register = template.Library()


@register.inclusion_tag("events/event_callout.html")
def event_callout(campaign: Any) -> dict[str, Any]:
    if campaign is None or getattr(campaign, "status", "") != "live":
        return {"events": []}
    events = list(Event.objects.public().filter(campaign=campaign).upcoming()[:5])
    return {"events": events, "campaign": campaign}
