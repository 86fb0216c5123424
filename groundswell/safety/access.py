"""Which public figures a member may reach (conventions, habit 2): only their organisation's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import PublicFigure

if TYPE_CHECKING:
    from groundswell.accounts.models import Membership


def member_figure(membership: Membership, figure_id: str) -> PublicFigure:
    """The organisation's public figure with this id, or 404 (also for an id that is not
    a number, or one of another organisation's)."""
    if not figure_id.isdigit():
        raise Http404
    return get_object_or_404(
        PublicFigure.objects.for_organisation(membership.organisation), pk=int(figure_id)
    )
