"""Who may reach which fediverse interaction (conventions, habit 2).

Every staff view that takes an interaction id goes through `access_interaction`.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from groundswell.accounts.access import require
from groundswell.accounts.models import Membership

from .models import Interaction


def access_interaction(
    membership: Membership, interaction_id: int, *, permission: str | None = None
) -> Interaction:
    """A reply, like or boost on one of the member's organisation's stories.

    A role without `permission` gets 403 with the reason, before any lookup, so the answer
    says nothing about the id. An id of another organisation, or of nothing, is a 404 for
    every role: a member of one organisation cannot learn what another one received.
    """
    if permission is not None:
        require(membership, permission)
    return get_object_or_404(
        Interaction.objects.select_related("actor", "story"),
        pk=interaction_id,
        story__organisation=membership.organisation,
    )
