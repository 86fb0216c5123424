from __future__ import annotations

from django.shortcuts import get_object_or_404

from groundswell.accounts.access import require
from groundswell.accounts.models import Membership

from .models import TimeEntry


def access_entry(membership: Membership, entry_id: int) -> TimeEntry:
    """An entry of the member's organisation: their own, or (for an owner, "timelog.team")
    a colleague's; 404 for another organisation's, 403 for a colleague's otherwise."""
    entry = get_object_or_404(
        TimeEntry.objects.select_related("campaign", "user"),
        pk=entry_id,
        organisation=membership.organisation,
    )
    if entry.user_id != membership.user_id:
        require(membership, "timelog.team")
    return entry


def access_person(membership: Membership, member_id: int | None) -> Membership:
    """Whose time log a page shows: the member's own, or a colleague's for an owner."""
    if member_id is None or member_id == membership.pk:
        return membership
    require(membership, "timelog.team")
    return get_object_or_404(
        Membership.objects.select_related("user", "organisation"),
        pk=member_id,
        organisation=membership.organisation,
    )
