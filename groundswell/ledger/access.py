from __future__ import annotations

from django.shortcuts import get_object_or_404

from groundswell.accounts.access import require
from groundswell.accounts.models import Membership

from .models import LedgerEntry


def access_entry(membership: Membership, entry_id: int, *, for_edit: bool = False) -> LedgerEntry:
    """A ledger entry of the member's organisation; 404 for any other organisation's."""
    if for_edit:
        require(membership, "content.write")
    return get_object_or_404(
        LedgerEntry.objects.select_related("campaign", "petition", "created_by", "report"),
        pk=entry_id,
        organisation=membership.organisation,
    )
