"""The one way to a challenge or an idea, for the public and for staff (404 otherwise)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.db import connection
from django.shortcuts import get_object_or_404
from django.utils import timezone

from groundswell.accounts.models import Membership, Organisation, OrganisationState
from groundswell.campaigns.models import PUBLIC_STATUSES, Campaign
from groundswell.moderation.models import ModerationItem, ModerationState

from .models import Challenge, Confirmation, Idea


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


# An id past a 64-bit integer: the database would refuse to compare it.
BIGGEST_ID = 2**63 - 1


@dataclass(frozen=True)
class IdeaForVote:
    """What a vote's POST needs of its idea: where the row goes, and whether it may."""

    pk: int
    organisation_id: int
    challenge_open: bool


@functools.cache
def _vote_sql() -> str:
    idea, item, challenge, org, campaign = (
        m._meta.db_table for m in (Idea, ModerationItem, Challenge, Organisation, Campaign)
    )
    # `public_idea` (Idea.objects.shown() in a Challenge.objects.public()) and
    # `Challenge.is_open`, written out: building that query through the ORM was most of a
    # vote's time.
    return (
        "SELECT i.id, i.organisation_id, c.opens_at <= %s AND c.closes_at > %s "  # noqa: S608
        f"FROM {idea} i JOIN {org} o ON o.id = i.organisation_id "
        f"JOIN {item} m ON m.id = i.moderation_id "
        f"JOIN {challenge} c ON c.id = i.challenge_id "
        f"JOIN {org} co ON co.id = c.organisation_id "
        f"LEFT JOIN {campaign} ca ON ca.id = c.campaign_id "
        "WHERE i.id = %s AND o.slug = %s AND i.state = %s AND m.state = %s AND co.state = %s "
        "AND (c.campaign_id IS NULL OR ca.status IN (%s, %s, %s))"
    )


def idea_for_vote(org_slug: str, idea_id: int) -> IdeaForVote | None:
    """The idea `public_idea` would find (None where it answers 404), in one lean query."""
    if not 0 < idea_id <= BIGGEST_ID:  # the ORM finds nothing for an id no column can hold
        return None
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    shown = [Confirmation.CONFIRMED.value, ModerationState.APPROVED.value]
    public = [OrganisationState.APPROVED.value, *(status.value for status in PUBLIC_STATUSES)]
    params = [now, now, idea_id, org_slug, *shown, *public]
    with connection.cursor() as cursor:
        cursor.execute(_vote_sql(), params)
        row = cursor.fetchone()
    return IdeaForVote(row[0], row[1], bool(row[2])) if row else None


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
