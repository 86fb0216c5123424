"""Who may reach which supporter (conventions, habit 2): staff by role, the person by link."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from groundswell.accounts.access import require
from groundswell.accounts.models import Membership

from . import links
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


def supporter_from_page_token(token: str) -> Supporter:
    """The holder of a private-page link, erased or not; 404 for a link we never made.

    The signed link is the person's proof: it needs no sign-in, and staff roles play no part.
    """
    try:
        supporter_id = links.read_supporter_page_token(token)
    except links.LinkError:
        raise Http404 from None
    supporter = Supporter.objects.select_related("organisation").filter(pk=supporter_id).first()
    if supporter is None:
        raise Http404
    return supporter


def require_own(membership: Membership, supporter: Supporter) -> None:
    """404 unless the supporter, already in hand, belongs to the member's organisation.

    For verbs handed a Supporter rather than an id: the same answer `access_supporter` gives.
    """
    if supporter.organisation_id != membership.organisation_id:
        raise Http404
