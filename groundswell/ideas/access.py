"""The one way to a challenge or an idea, for the public and for staff (404 otherwise)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from groundswell.accounts.models import Membership

from .models import Challenge, Idea


def public_challenge(org_slug: str, challenge_id: int) -> Challenge:
    return get_object_or_404(
        Challenge.objects.public(), organisation__slug=org_slug, pk=challenge_id
    )


def public_idea(org_slug: str, idea_id: int) -> Idea:
    """An idea its author confirmed and a moderator approved, in a public challenge."""
    public = Challenge.objects.public().values("pk")
    return get_object_or_404(
        Idea.objects.shown().select_related("challenge__campaign", "challenge__updates_wording"),
        challenge__in=public,
        organisation__slug=org_slug,
        pk=idea_id,
    )


def staff_challenge(membership: Membership, challenge_id: int) -> Challenge:
    return get_object_or_404(
        Challenge.objects.select_related("updates_wording"),
        organisation=membership.organisation,
        pk=challenge_id,
    )


def staff_idea(membership: Membership, idea_id: int) -> Idea:
    return get_object_or_404(
        Idea.objects.select_related("challenge", "moderation"),
        organisation=membership.organisation,
        pk=idea_id,
    )
