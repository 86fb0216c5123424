"""A campaign update goes to supporters only once the safety check lets it, checked again
by the worker before each batch."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.actions import tasks
from groundswell.actions.models import Petition, PetitionUpdate
from groundswell.actions.petitions import post_update, release_update
from groundswell.actions.services import SignatureRequest, confirm_signature, sign_petition
from groundswell.audit.models import AuditEntry
from groundswell.safety.models import SafetyOverride
from groundswell.safety.services import Flagged, text_hash

PHONE = "07700 900123"
BODY = f"The landlord who evicted the family can be reached on {PHONE}."
REASON = "The number is the council's housing line, public on its website."


@pytest.fixture
def signers(petition: Petition, smtp_server: testing.LocalSMTPServer) -> list[str]:
    wanted = ["reader1@example.net", "reader2@example.net"]
    for address in wanted:
        result = sign_petition(
            petition, SignatureRequest(email=address, given_name="Sam", wants_updates=True)
        )
        confirm_signature(result.signature.pk)
    smtp_server.messages.clear()
    return wanted


def updates_sent(smtp_server: testing.LocalSMTPServer) -> list[str]:
    return [m["Subject"] for m in smtp_server.messages if m["Message-ID"].startswith("<update.")]


def test_a_flagged_update_is_refused_and_nobody_is_emailed(
    editor: Membership,
    petition: Petition,
    signers: list[str],
    smtp_server: testing.LocalSMTPServer,
) -> None:
    with pytest.raises(Flagged) as refused:
        post_update(editor, petition, subject="Who did it", body=BODY)
    assert PHONE in refused.value.message_dict["body"][0]
    assert not PetitionUpdate.objects.exists()
    with pytest.raises(PermissionDenied):
        post_update(editor, petition, subject="Who did it", body=BODY, safety_reason=REASON)
    assert not PetitionUpdate.objects.exists()
    assert updates_sent(smtp_server) == []


def test_an_owner_sends_it_with_a_reason_audited(
    owner: Membership,
    petition: Petition,
    signers: list[str],
    smtp_server: testing.LocalSMTPServer,
) -> None:
    update = post_update(owner, petition, subject="Call them", body=BODY, safety_reason=REASON)
    override = SafetyOverride.objects.get()
    assert (override.kind, override.object_id) == ("update", str(update.pk))
    assert override.text_hash == text_hash(update.safety_text)
    assert AuditEntry.objects.filter(action="safety.override").exists()
    assert updates_sent(smtp_server) == ["Call them", "Call them"]


def test_the_worker_holds_an_update_flagged_since_and_sends_the_next(
    owner: Membership,
    editor: Membership,
    petition: Petition,
    signers: list[str],
    smtp_server: testing.LocalSMTPServer,
    org: Organisation,
) -> None:
    # Written before the check existed, or changed since: the worker is the last gate.
    held = PetitionUpdate.objects.create(petition=petition, subject="Old news", body=BODY)
    post_update(owner, petition, subject="Good news", body="We won the vote.")
    tasks.send_updates.call()
    held.refresh_from_db()
    assert "Held by the safety check" in held.held_reason and PHONE not in held.held_reason
    assert held.finished_at is None and held.holder == ""
    assert updates_sent(smtp_server) == ["Good news", "Good news"]
    assert AuditEntry.objects.filter(action="petition.update_held").count() == 1
    tasks.send_updates.call()  # later turns skip it quietly, and go on
    assert AuditEntry.objects.filter(action="petition.update_held").count() == 1

    sami = testing.make_user("sami@example.org", "Sami Safety")
    officer = testing.add_member(org, sami, "safety_officer")
    with pytest.raises(PermissionDenied):
        release_update(editor, held, REASON, seen_hash=text_hash(held.safety_text))
    release_update(officer, held, REASON, seen_hash=text_hash(held.safety_text))
    held.refresh_from_db()
    assert held.held_reason == "" and held.finished_at is not None
    assert updates_sent(smtp_server).count("Old news") == 2


def test_the_update_form_keeps_what_was_typed_and_says_why(
    client: Client,
    bob: User,
    alice: User,
    petition: Petition,
    org: Organisation,
    signers: list[str],
) -> None:
    client.force_login(bob)
    url = reverse("actions:staff_update", args=[org.slug, petition.pk])
    response = client.post(url, {"subject": "Who did it", "body": BODY})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in html and 'class="error-summary"' in html
    assert "id_body_error" in html and f"{BODY}</textarea>" in html
    assert 'name="safety_reason"' not in html
    client.force_login(alice)
    html = client.post(url, {"subject": "Who did it", "body": BODY}).content.decode()
    assert 'name="safety_reason"' in html
    response = client.post(url, {"subject": "Who did it", "body": BODY, "safety_reason": REASON})
    assert response.status_code == 302
    assert PetitionUpdate.objects.get().subject == "Who did it"


def test_a_safety_officer_lets_a_held_update_out_from_its_page(
    client: Client,
    petition: Petition,
    signers: list[str],
    smtp_server: testing.LocalSMTPServer,
    org: Organisation,
) -> None:
    held = PetitionUpdate.objects.create(petition=petition, subject="Old news", body=BODY)
    tasks.send_updates.call()
    held.refresh_from_db()
    assert held.held_reason
    client.force_login(testing.make_user("sami@example.org", "Sami Safety"))
    testing.add_member(org, User.objects.get(email="sami@example.org"), "safety_officer")
    url = reverse("actions:staff_update_safety", args=[org.slug, petition.pk, held.pk])
    digest = text_hash(held.safety_text)
    assert f'value="{digest}"' in client.get(url).content.decode()
    refused = client.post(url, {"reason": "", "text_hash": digest})
    assert "<title>Error: " in refused.content.decode()
    assert not SafetyOverride.objects.exists()
    changed = client.post(url, {"reason": REASON, "text_hash": "0" * 64})
    assert 'class="error-summary"' in changed.content.decode()  # not the text they read
    assert not SafetyOverride.objects.exists()
    assert client.post(url, {"reason": REASON, "text_hash": digest}).status_code == 302
    held.refresh_from_db()
    assert held.held_reason == "" and SafetyOverride.objects.get().reason == REASON
    assert updates_sent(smtp_server).count("Old news") == 2
