"""The vote's POST takes the sign form's shape (target P8): one lean look-up that finds
exactly what `public_idea` finds, the rate count, and one INSERT."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation
from groundswell.campaigns.models import Campaign
from groundswell.ideas.access import idea_for_vote, public_idea
from groundswell.ideas.models import Challenge, Idea, VoteIntake
from groundswell.moderation.models import ModerationItem

from .test_ideas import _shown_idea

pytestmark = pytest.mark.django_db


def test_a_vote_is_one_look_up_one_count_and_one_insert(
    client: Client, owner: Membership, challenge: Challenge, smtp_server: testing.LocalSMTPServer
) -> None:
    idea = _shown_idea(client, owner, challenge, smtp_server)
    url = reverse("ideas:vote", args=["alices", idea.pk])
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, {"vote-given_name": "Omar", "vote-email": "omar@example.net"})
    assert response.status_code == 302
    words = [" ".join(q["sql"].replace('"', "").split()[:3]) for q in queries.captured_queries]
    assert words == [
        "SELECT i.id, i.organisation_id,",
        "INSERT INTO ratelimit_count",
        "INSERT INTO ideas_voteintake",
    ]
    token = VoteIntake.objects.get().share_token
    assert response["Location"] == f"/o/alices/idea/{idea.pk}/voted/{token}/"


def _closed(idea: Idea) -> None:
    Challenge.objects.filter(pk=idea.challenge_id).update(closes_at=timezone.now())


def _upcoming(idea: Idea) -> None:
    Challenge.objects.filter(pk=idea.challenge_id).update(
        opens_at=timezone.now() + timedelta(hours=1)
    )


def _in_campaign(status: str) -> Callable[[Idea], None]:
    def change(idea: Idea) -> None:
        campaign = Campaign.objects.create(
            organisation_id=idea.organisation_id, title="River", slug="river", status=status
        )
        Challenge.objects.filter(pk=idea.challenge_id).update(campaign=campaign)

    return change


def _rejected(idea: Idea) -> None:
    assert idea.moderation is not None
    ModerationItem.objects.filter(pk=idea.moderation.pk).update(state="rejected")


def _unconfirmed(idea: Idea) -> None:
    Idea.objects.filter(pk=idea.pk).update(state="unconfirmed")


def _waiting_organisation(idea: Idea) -> None:
    Organisation.objects.filter(pk=idea.organisation_id).update(state="waiting")


def _another_organisation(_found: Any, *_rest: Any) -> None:
    # An approved organisation at the address asked for, which the id is not one of.
    owner = testing.make_user("olu@example.org", "Olu Owner")
    testing.make_organisation(owner, name="Someone Else", slug="someone-else")


@pytest.mark.parametrize(
    ("change", "slug"),
    [
        (None, "alices"),
        (None, "someone-else"),
        (_another_organisation, "someone-else"),
        (_closed, "alices"),
        (_upcoming, "alices"),
        (_in_campaign("live"), "alices"),
        (_in_campaign("won"), "alices"),
        (_in_campaign("draft"), "alices"),
        (_rejected, "alices"),
        (_unconfirmed, "alices"),
        (_waiting_organisation, "alices"),
    ],
)
def test_the_look_up_finds_what_public_idea_finds(
    client: Client, owner: Membership, challenge: Challenge,
    smtp_server: testing.LocalSMTPServer, change: Callable[[Idea], Any] | None, slug: str,
) -> None:  # fmt: skip
    idea = _shown_idea(client, owner, challenge, smtp_server)
    if change:
        change(idea)
    found = idea_for_vote(slug, idea.pk)
    try:
        full = public_idea(slug, idea.pk)
    except Http404:
        assert found is None
        return
    assert found is not None
    assert (found.pk, found.organisation_id) == (full.pk, full.organisation_id)
    assert found.challenge_open == full.challenge.is_open
    assert idea_for_vote(slug, idea.pk + 1000) is None
    assert idea_for_vote(slug, 10**20) is None  # past any id: no query, no error
