from collections.abc import Callable

from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.actions.models import Petition, PetitionUpdate, Signature, next_milestone
from groundswell.actions.services import (
    SignatureRequest,
    confirm_signature,
    petitions_needing_recount,
    recount,
    sign_petition,
)
from groundswell.supporters.links import unsubscribe_url


def signed(
    petition: Petition, email: str, *, updates: bool = True, confirm: bool = True
) -> Signature:
    result = sign_petition(
        petition, SignatureRequest(email=email, given_name="Sam", wants_updates=updates)
    )
    if confirm:
        confirm_signature(result.signature.pk)
    return result.signature


def test_milestones_step_up_automatically() -> None:
    assert [next_milestone(n) for n in (0, 99, 100, 249, 250, 999, 1000, 24_999)] == [
        100,
        100,
        250,
        250,
        500,
        1000,
        2500,
        25_000,
    ]


def test_an_owner_creates_a_petition_in_the_staff_area(
    client: Client, alice: User, org: Organisation, owner: Membership
) -> None:
    campaign = testing.make_campaign(owner)
    client.force_login(alice)
    response = client.post(
        reverse("actions:staff_new", args=[org.slug]),
        {
            "campaign": campaign.pk,
            "title": "Fix the bridge",
            "ask": "Fix it this year.",
            "target_name": "Jo Mayor",
            "goal": "500",
            "status": "open",
            "consent_text": "I sign.",
            "updates_text": "Tell me more.",
            "collect_country": "on",
        },
    )
    assert response.status_code == 302
    petition = Petition.objects.get(title="Fix the bridge")
    assert petition.consent_wording.text == "I sign."
    page = client.get(campaign.get_absolute_url()).content.decode()
    assert "Fix it this year." in page
    assert 'name="country"' in page
    assert "<label" in page and "I sign." in page


def test_changing_the_wording_makes_a_new_version_and_old_signatures_keep_theirs(
    client: Client, alice: User, org: Organisation, owner: Membership, petition: Petition
) -> None:
    first = signed(petition, "one@example.net")
    old_wording = petition.consent_wording_id
    client.force_login(alice)
    client.post(
        reverse("actions:staff_edit", args=[org.slug, petition.pk]),
        {
            "campaign": petition.campaign_id,
            "title": petition.title,
            "ask": petition.ask,
            "target_name": petition.target_name,
            "goal": "1000",
            "status": "open",
            "consent_text": "New words.",
            "updates_text": petition.updates_wording.text,
        },
    )
    petition.refresh_from_db()
    assert petition.consent_wording_id != old_wording
    second = signed(petition, "two@example.net")
    first.refresh_from_db()
    assert first.wording_id == old_wording
    assert second.wording.text == "New words."


def test_a_bad_goal_is_refused_and_an_analyst_cannot_create(
    client: Client, alice: User, org: Organisation, owner: Membership
) -> None:
    campaign = testing.make_campaign(owner)
    client.force_login(alice)
    response = client.post(
        reverse("actions:staff_new", args=[org.slug]),
        {
            "campaign": campaign.pk,
            "title": "T",
            "ask": "A",
            "target_name": "N",
            "goal": "0",
            "status": "open",
            "consent_text": "x",
            "updates_text": "y",
        },
    )
    assert "Set a goal between 1 and 100,000,000." in response.content.decode()
    analyst = testing.make_user("an@example.org", "An")
    testing.add_member(org, analyst, "analyst")
    client.force_login(analyst)
    assert client.get(reverse("actions:staff_new", args=[org.slug])).status_code == 403
    assert not Petition.objects.exists()


def test_updates_reach_only_confirmed_signers_who_asked_and_did_not_unsubscribe(
    client: Client,
    alice: User,
    org: Organisation,
    petition: Petition,
    smtp_server: testing.LocalSMTPServer,
) -> None:
    signed(petition, "yes@example.net")
    signed(petition, "no@example.net", updates=False)
    signed(petition, "pending@example.net", confirm=False)
    quitter = signed(petition, "quit@example.net")
    unsubscribe = unsubscribe_url(quitter.supporter_id).replace("http://127.0.0.1:8000", "")
    page = client.get(unsubscribe)
    assert "Stop emails?" in page.content.decode()  # a GET (link scanner) changes nothing
    assert "You are unsubscribed" in client.post(unsubscribe).content.decode()
    smtp_server.messages.clear()
    client.force_login(alice)
    client.post(
        reverse("actions:staff_update", args=[org.slug, petition.pk]),
        {"subject": "We delivered it!", "body": "The minister has the petition."},
    )
    assert [m["To"] for m in smtp_server.messages] == ["yes@example.net"]
    assert "The minister has the petition." in smtp_server.bodies()[0]
    assert PetitionUpdate.objects.get().recipients == 1


def test_a_forged_unsubscribe_link_is_refused(client: Client) -> None:
    response = client.get("/unsubscribe/not-a-real-token/")
    assert response.status_code == 400
    assert "not valid" in response.content.decode()


def test_the_recount_only_touches_petitions_that_changed(
    petition: Petition, owner: Membership
) -> None:
    other = testing.make_petition(owner, petition.campaign, title="Quiet one")
    recount(petition.pk)
    recount(other.pk)
    assert petitions_needing_recount() == []
    signed(petition, "new@example.net")
    assert petitions_needing_recount() == [petition.pk]
    tally = recount(petition.pk)
    assert (tally.confirmed, tally.pending) == (1, 0)
    assert petitions_needing_recount() == []


def test_no_request_writes_a_counter_row(
    client: Client, petition: Petition, worker_turn: Callable[..., None]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.post(
            reverse("actions:sign", args=[petition.organisation.slug, petition.pk]),
            {"given_name": "Ana", "email": "ana@example.net", "consent": "on"},
        )
        worker_turn()  # nor does the worker recording the signature
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    assert not any("tally" in sql.lower() for sql in writes)
    assert Signature.objects.count() == 1


def test_an_expired_updates_consent_stops_updates(
    client: Client,
    alice: User,
    org: Organisation,
    petition: Petition,
    smtp_server: testing.LocalSMTPServer,
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from groundswell.supporters.models import Consent

    signature = signed(petition, "old@example.net")
    consent = Consent.objects.get(supporter=signature.supporter, purpose="updates")
    assert consent.expires_at is not None
    assert consent.expires_at > timezone.now() + timedelta(days=700)
    Consent.objects.filter(pk=consent.pk).update(expires_at=timezone.now() - timedelta(days=1))
    smtp_server.messages.clear()
    client.force_login(alice)
    client.post(
        reverse("actions:staff_update", args=[org.slug, petition.pk]),
        {"subject": "News", "body": "Hello"},
    )
    assert smtp_server.messages == []
