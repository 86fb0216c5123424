from __future__ import annotations

from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404

from groundswell.accounts.access import require
from groundswell.accounts.models import Membership

from .models import Campaign


def access_campaign(
    membership: Membership, campaign_id: int, *, for_edit: bool = False
) -> Campaign:
    """A campaign of the member's organisation; 404 for any other organisation's."""
    if for_edit:
        require(membership, "content.write")
    return get_object_or_404(
        Campaign.objects.select_related("organisation"),
        pk=campaign_id,
        organisation=membership.organisation,
    )


def public_campaign(org_slug: str, slug: str) -> Campaign:
    return get_object_or_404(Campaign.objects.public(), organisation__slug=org_slug, slug=slug)


def access_campaign_cover(user: Any, campaign_id: int) -> Campaign:
    """A campaign, for its cover, for members of its organisation only; 404 for anyone else.

    Any role may look, as any role may read a draft.
    """
    if not getattr(user, "is_authenticated", False):
        raise Http404
    return get_object_or_404(
        Campaign.objects.filter(organisation__memberships__user=user), pk=campaign_id
    )
