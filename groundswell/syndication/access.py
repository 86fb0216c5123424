from __future__ import annotations

from django.shortcuts import get_object_or_404

from groundswell.accounts.access import require
from groundswell.accounts.models import Membership

from .models import ChannelAccount, ScheduledPost


def access_account(
    membership: Membership, account_id: int, *, for_edit: bool = False
) -> ChannelAccount:
    """A connected account of the member's organisation; 404 for any other organisation's."""
    if for_edit:
        require(membership, "organisation.edit")
    return get_object_or_404(ChannelAccount, pk=account_id, organisation=membership.organisation)


def access_post(membership: Membership, post_id: int, *, for_edit: bool = False) -> ScheduledPost:
    """A scheduled post of the member's organisation; 404 for any other organisation's."""
    if for_edit:
        require(membership, "content.write")
    return get_object_or_404(
        ScheduledPost.objects.select_related("story", "account", "organisation"),
        pk=post_id,
        organisation=membership.organisation,
    )
