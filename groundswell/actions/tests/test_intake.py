"""The lean sign path: the request stores one intake row; the worker records it."""

import pytest
from django.urls import reverse

from groundswell.actions import intake
from groundswell.actions.models import Signature, SignatureIntake
from groundswell.referrals.models import ShareToken


@pytest.fixture
def queued(settings):
    """A real task queue: nothing runs until the test processes the intake itself."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def sign(client, petition, email, **extra):
    data = {"given_name": "Ana", "email": email, "consent": "on", **extra}
    response = client.post(
        reverse("actions:sign", args=[petition.organisation.slug, petition.pk]), data
    )
    assert response.status_code == 302, response.content[:500]
    return response["Location"].rstrip("/").rsplit("/", 1)[-1]


def test_the_request_stores_one_intake_row_and_the_worker_records_it(client, petition, queued):
    from django_tasks_db.models import DBTaskResult

    token = sign(client, petition, "ana@example.net")
    assert SignatureIntake.objects.count() == 1
    assert not Signature.objects.exists()
    thanks = reverse("actions:thanks", args=[petition.organisation.slug, petition.pk, token])
    assert client.get(thanks).status_code == 200  # before the worker has run
    assert intake.process() == 1
    signature = Signature.objects.get()
    assert ShareToken.objects.get(token=token).supporter == signature.supporter
    assert not SignatureIntake.objects.exists()  # personal data does not linger there
    # No task row per signature: the signature row itself says an email is owed.
    assert not DBTaskResult.objects.filter(task_path__endswith="send_confirmations").exists()
    assert signature.confirmation_sends == 1 and signature.confirmations_delivered == 0
    assert client.get(thanks).status_code == 200  # and after


def test_a_repeat_before_processing_gets_the_same_token_and_stores_nothing(
    client, petition, queued
):
    first = sign(client, petition, "ana@example.net")
    again = sign(client, petition, "ANA+again@example.net")
    assert first == again
    assert SignatureIntake.objects.count() == 1


def test_a_repeat_after_processing_is_recorded_as_a_repeat(client, petition, queued):
    sign(client, petition, "ana@example.net")
    intake.process()
    sign(client, petition, "ana@example.net")
    intake.process()
    assert Signature.objects.count() == 1
    assert Signature.objects.get().confirmation_sends == 2


def test_referrals_through_unprocessed_signatures_are_credited_in_order(client, petition, queued):
    a_token = sign(client, petition, "ana@example.net")
    b_token = sign(client, petition, "bo@example.net", ref=a_token, ch="whatsapp")
    sign(client, petition, "cy@example.net", ref=b_token, ch="email")
    assert intake.process() == 3
    bo = Signature.objects.get(supporter__email="bo@example.net")
    cy = Signature.objects.get(supporter__email="cy@example.net")
    assert bo.referred_by.email == "ana@example.net"
    assert cy.referred_by.email == "bo@example.net"
    assert bo.referrer_data["source"] == "whatsapp"


def test_a_signature_taken_in_before_a_petition_closed_is_still_recorded(
    client, petition, owner, queued
):
    from groundswell.actions.services import update_petition

    sign(client, petition, "ana@example.net")
    update_petition(owner, petition, {"status": "closed"})
    assert intake.process() == 1
    assert Signature.objects.count() == 1


def test_an_unknown_token_has_no_thank_you_page(client, petition):
    url = reverse("actions:thanks", args=[petition.organisation.slug, petition.pk, "nope"])
    assert client.get(url).status_code == 404
