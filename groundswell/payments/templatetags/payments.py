"""`{% donate_callout campaign %}`: the way to give, on a campaign's and a story's page."""

from __future__ import annotations

from typing import Any

from django import template

from ..models import Appeal

register = template.Library()


@register.inclusion_tag("payments/donate_callout.html")
def donate_callout(campaign: Any) -> dict[str, Any]:
    """Nothing unless the campaign is live and its appeal takes donations."""
    if campaign is None or getattr(campaign, "status", "") != "live":
        return {"appeal": None}
    appeal = (
        Appeal.objects.filter(campaign=campaign, open=True)
        .select_related("organisation", "campaign")
        .first()
    )
    return {"appeal": appeal}
