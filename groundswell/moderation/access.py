"""Who may reach which moderation item (conventions, habit 2)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from groundswell.accounts.access import require
from groundswell.accounts.models import Membership, Organisation

from .models import HeldPhrase, ModerationItem, ModerationState


def access_item(
    membership: Membership, item_id: int, *, permission: str | None = None
) -> ModerationItem:
    """An item of the member's organisation.

    A role without `permission` gets 403 before any lookup, so the answer says nothing about
    the id; an id of another organisation, or of nothing, is a 404 for every role.
    """
    if permission is not None:
        require(membership, permission)
    return get_object_or_404(
        ModerationItem.objects.select_related("decided_by"),
        pk=item_id,
        organisation=membership.organisation,
    )


def access_items(membership: Membership, ids: list[int]) -> list[ModerationItem]:
    """The items of the member's organisation with these ids; a 404 if any is not one of
    them (another organisation's, or gone), as for a single item."""
    found = list(
        ModerationItem.objects.filter(organisation=membership.organisation, pk__in=ids).order_by(
            "submitted_at", "id"
        )
    )
    if len(found) != len(set(ids)):
        raise Http404
    return found


def access_phrase(membership: Membership, phrase_id: int) -> HeldPhrase:
    return get_object_or_404(HeldPhrase, pk=phrase_id, organisation=membership.organisation)


def shown_item(organisation: Organisation, item_id: int) -> ModerationItem:
    """An item the public can see now, for the "report this" form; 404 for anything else,
    so the form cannot be used to learn what waits in the queue."""
    if not organisation.is_public:
        raise Http404
    return get_object_or_404(
        ModerationItem, pk=item_id, organisation=organisation, state=ModerationState.APPROVED
    )
