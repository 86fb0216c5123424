"""`{% volunteer_callout campaign %}`: the campaign's open volunteer needs, on its page."""

from __future__ import annotations

from typing import Any

from django import template

from ..models import Need, NeedStatus

register = template.Library()


@register.inclusion_tag("volunteers/volunteer_callout.html")
def volunteer_callout(campaign: Any) -> dict[str, Any]:
    if campaign is None or getattr(campaign, "status", "") != "live":
        return {"needs": []}
    needs = Need.objects.public().filter(campaign=campaign, status=NeedStatus.OPEN)
    return {"needs": list(needs.order_by("-created_at")[:5])}
