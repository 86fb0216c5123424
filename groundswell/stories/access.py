from __future__ import annotations

from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404

from groundswell.accounts.access import require
from groundswell.accounts.models import Membership

from .models import Story, StoryImage


def access_story(membership: Membership, story_id: int, *, for_edit: bool = False) -> Story:
    """A story of the member's organisation; 404 for any other organisation's."""
    if for_edit:
        require(membership, "content.write")
    return get_object_or_404(
        Story.objects.select_related("organisation", "campaign", "author", "cover", "link_card"),
        pk=story_id,
        organisation=membership.organisation,
    )


def public_story(org_slug: str, slug: str) -> Story:
    return get_object_or_404(Story.objects.published(), organisation__slug=org_slug, slug=slug)


def access_story_image(user: Any, image_id: int) -> StoryImage:
    """An image of any story, for members of its organisation only; 404 for anyone else.

    Any role may look: a moderator or analyst reading a draft sees its pictures too.
    """
    if not getattr(user, "is_authenticated", False):
        raise Http404
    return get_object_or_404(
        StoryImage.objects.filter(organisation__memberships__user=user), pk=image_id
    )
