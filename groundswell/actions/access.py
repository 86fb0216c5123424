from __future__ import annotations

from django.shortcuts import get_object_or_404

from groundswell.accounts.access import require
from groundswell.accounts.models import Membership

from .models import Petition


def access_petition(
    membership: Membership, petition_id: int, *, for_edit: bool = False
) -> Petition:
    """A petition of the member's organisation; 404 for any other organisation's."""
    if for_edit:
        require(membership, "content.write")
    return get_object_or_404(
        Petition.objects.select_related("campaign", "organisation", "tally"),
        pk=petition_id,
        organisation=membership.organisation,
    )


def public_petition(org_slug: str, petition_id: int) -> Petition:
    return get_object_or_404(Petition.objects.public(), organisation__slug=org_slug, pk=petition_id)
