"""Who may reach which supporter (conventions, habit 2): the one way staff code gets one."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from groundswell.accounts.access import require
from groundswell.accounts.models import Membership

from .models import Supporter


def access_supporter(membership: Membership, supporter_id: int) -> Supporter:
    """A supporter of the member's organisation, for a role that may see personal data.

    A role without `supporters.read` gets 403 with the reason; another organisation's
    supporter (or no such id) is a 404 whatever the role, so an id reveals nothing.
    """
    require(membership, "supporters.read")
    return get_object_or_404(
        Supporter.objects.select_related("organisation"),
        pk=supporter_id,
        organisation=membership.organisation,
    )


def require_own(membership: Membership, supporter: Supporter) -> None:
    """404 unless the supporter, already in hand, belongs to the member's organisation.

    For verbs handed a Supporter rather than an id: the same answer `access_supporter` gives.
    """
    if supporter.organisation_id != membership.organisation_id:
        raise Http404
