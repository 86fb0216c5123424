"""The signatures' part of an erasure, as the actions app does it (supporters calls it)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.actions import intake
from groundswell.actions.models import Petition, Signature, SignatureIntake, SignatureState
from groundswell.actions.services import (
    SignatureRequest,
    confirm_signature,
    erase_signatures,
    forget_waiting_signatures,
    sign_petition,
)
from groundswell.referrals.models import ShareToken
from groundswell.supporters.models import Supporter
from groundswell.supporters.services import find_or_create_supporter


def signed(
    petition: Petition,
    email: str,
    *,
    comment: str = "",
    via: Supporter | None = None,
    url: str = "",
) -> Signature:
    token = ShareToken.objects.get(petition=petition, supporter=via).token if via else ""
    return sign_petition(
        petition,
        SignatureRequest(
            email=email,
            given_name="Ana",
            comment=comment,
            referral_token=token,
            referrer_data={
                "source": "email",
                "referrer": token,
                "website": "news.example" if url else "",
                "url": url,
            },
        ),
    ).signature


def test_it_strips_what_could_name_the_person_and_keeps_what_the_tallies_need(
    owner: Membership, petition: Petition
) -> None:
    sam = signed(petition, "sam@example.net", comment="Sam here")
    ana = signed(
        petition,
        "ana@example.net",
        comment="From Ana, N1 9GU",
        via=sam.supporter,
        url="https://news.example/rivers?email=ana@example.net",
    )
    confirm_signature(ana.pk)
    meadow = testing.make_petition(owner, petition.campaign, title="Save the meadow")
    signed(meadow, "ana@example.net", comment="Again, Ana")

    assert erase_signatures(ana.supporter) == 2

    for signature in Signature.objects.filter(supporter=ana.supporter):
        assert signature.comment == ""
        assert "url" not in signature.referrer_data
        assert "website" not in signature.referrer_data
        assert signature.referrer_data["source"] == "email"
    ana.refresh_from_db()
    assert ana.state == SignatureState.CONFIRMED
    assert ana.referred_by_id == sam.supporter_id
    assert ana.referrer_data["referrer"] == ShareToken.objects.get(supporter=sam.supporter).token
    sam.refresh_from_db()
    assert sam.comment == "Sam here"  # someone else's words stay


def test_it_changes_nothing_for_a_person_without_signatures(org: Organisation) -> None:
    nobody = find_or_create_supporter(org, email="no@example.net", email_key="no@example.net")
    assert erase_signatures(nobody) == 0


@pytest.fixture
def queued(settings: Settings) -> None:
    """A real task queue: nothing runs until the test processes the intake itself."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": settings.TASK_QUEUES}
    }


def post_sign(client: Client, petition: Petition, email: str) -> None:
    url = reverse("actions:sign", args=[petition.organisation.slug, petition.pk])
    data = {"given_name": "Ana", "email": email, "consent": "on"}
    assert client.post(url, data).status_code == 302


def test_forgetting_waiting_signatures_takes_only_that_address_in_that_organisation(
    client: Client, owner: Membership, petition: Petition, charlie: User, queued: None
) -> None:
    post_sign(client, petition, "ana@example.net")
    intake.process()
    supporter = Signature.objects.get().supporter
    meadow = testing.make_petition(owner, petition.campaign, title="Save the meadow")
    post_sign(client, meadow, "Ana@Example.net")  # the same person, not yet recorded
    post_sign(client, meadow, "ben@example.net")
    theirs = testing.membership(charlie, charlie.memberships.get().organisation)
    elsewhere = testing.make_petition(theirs, testing.make_campaign(theirs))
    post_sign(client, elsewhere, "ana@example.net")  # another organisation's supporter

    assert forget_waiting_signatures(supporter) == 1

    waiting = SignatureIntake.objects.order_by("id")
    assert [(row.petition_id, row.email_key) for row in waiting] == [
        (meadow.pk, "ben@example.net"),
        (elsewhere.pk, "ana@example.net"),
    ]
    assert Signature.objects.filter(supporter=supporter).count() == 1  # recorded ones stay
