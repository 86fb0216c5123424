"""The ideas' place in the retention schedule, the privacy notice and the counted kinds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from groundswell.accounts.models import Membership
from groundswell.ideas import analytics, intake, services
from groundswell.ideas.models import Challenge, Confirmation, Idea, Vote
from groundswell.retention.services import run_organisation

pytestmark = pytest.mark.django_db
ROSA = services.Person(email="rosa.quint@example.net", given_name="Rosa", language="hi")


def test_retention_deletes_the_unconfirmed_and_unnames_old_authors(
    owner: Membership, challenge: Challenge
) -> None:
    stale = services.submit_idea(challenge, ROSA, title="Old", body="Never confirmed.")
    fresh = services.submit_idea(challenge, ROSA, title="New", body="Waiting.")
    kept = services.submit_idea(challenge, ROSA, title="Kept", body="Confirmed long ago.")
    services.confirm("idea", kept.pk)
    month_ago = timezone.now() - timedelta(days=31)
    Idea.objects.filter(pk=stale.pk).update(created_at=month_ago)
    Idea.objects.filter(pk=kept.pk).update(confirmed_at=timezone.now() - timedelta(days=800))
    outcomes = {each.kind.name: each.counts for each in run_organisation(owner.organisation)}
    assert outcomes["ideas.unconfirmed"]["ideas"] == 1
    assert outcomes["ideas.authors"]["ideas"] == 1
    assert set(Idea.objects.values_list("pk", flat=True)) == {fresh.pk, kept.pk}
    kept.refresh_from_db()
    assert (kept.email, kept.given_name, kept.language, kept.title) == ("", "", "", "Kept")
    assert fresh.language == "hi"  # every submitter's language is kept until then


def test_the_privacy_notice_names_the_ideas_wording_and_periods(
    client: Client, challenge: Challenge
) -> None:
    notice = client.get(f"/o/{challenge.organisation.slug}/privacy/").content.decode()
    assert challenge.updates_wording.text in notice
    assert "never confirmed" in notice


def test_confirmed_votes_count_with_their_channel_and_referrals(
    owner: Membership, challenge: Challenge
) -> None:
    idea = services.submit_idea(challenge, ROSA, title="Stones", body="At the ford.")
    services.confirm("idea", idea.pk)
    idea.refresh_from_db()
    intake.take(idea, intake.VoteRequest(email="a@example.net", given_name="A"))
    intake.take(
        idea,
        intake.VoteRequest(
            email="b@example.net",
            given_name="B",
            referral_token=idea.share_token,
            referrer_data={"source": "whatsapp", "referrer": idea.share_token},
        ),
    )
    intake.process()
    for vote in Vote.objects.all():
        services.confirm("vote", vote.pk)
    start, end = timezone.now() - timedelta(days=1), timezone.now() + timedelta(days=1)
    assert sum(n for _day, _dims, n in analytics.votes(start, end)) == 2
    referred = list(analytics.referred_votes(start, end))
    assert [(dims.channel, n) for _day, dims, n in referred] == [("whatsapp", 1)]
    assert sum(n for _day, _dims, n in analytics.ideas(start, end)) == 1
    assert Idea.objects.get().state == Confirmation.CONFIRMED
