"""Which public figures a member may reach (conventions, habit 2): only their organisation's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404
from django.shortcuts import get_object_or_404

from groundswell.lib.badinput import MAX_ID

from .models import PublicFigure

if TYPE_CHECKING:
    from groundswell.accounts.models import Membership


def member_figure(membership: Membership, figure_id: str) -> PublicFigure:
    """The organisation's public figure with this id, or 404 (also for an id that is not
    a number, or one of another organisation's)."""
    # str.isdigit() is true for "²" and "٣", which int() refuses or reads as another number;
    # and a number past 64 bits is an error on both databases: only ASCII digits in range.
    if not (figure_id.isascii() and figure_id.isdigit()) or not 0 < int(figure_id) <= MAX_ID:
        raise Http404
    return get_object_or_404(
        PublicFigure.objects.for_organisation(membership.organisation), pk=int(figure_id)
    )
