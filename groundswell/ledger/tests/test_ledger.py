from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.actions.models import Petition, PetitionUpdate
from groundswell.actions.services import SignatureRequest, confirm_signature, sign_petition
from groundswell.audit.models import AuditEntry
from groundswell.ledger.models import LedgerEntry
from groundswell.lib.retention import REGISTRY, discover
from groundswell.safety.models import SafetyOverride

PHONE = "Ring 07700 900461 for the minutes"  # Ofcom's drama range: nobody's number


def typed(petition: Petition, **more: str) -> dict[str, str]:
    day = timezone.localdate() - timedelta(days=1)
    return {
        "campaign": str(petition.campaign_id),
        "petition": str(petition.pk),
        "kind": "delivery",
        "happened_on_day": str(day.day),
        "happened_on_month": str(day.month),
        "happened_on_year": str(day.year),
        "title": "We handed 1,240 signatures to the council",
        "details": "At the town hall steps, with thirty supporters.",
        "evidence": "https://example.org/photos/hand-in\nhttps://news.example.net/2026/hand-in",
        **more,
    }


def test_an_editor_records_a_delivery_and_moves_the_petition_to_delivered(
    client: Client, bob: User, editor: Membership, petition: Petition
) -> None:
    client.force_login(bob)
    response = client.post(
        reverse("ledger:entry_new", args=["alices"]), typed(petition, move_petition="on")
    )
    entry = LedgerEntry.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("ledger:entry", args=["alices", entry.pk])
    assert (entry.kind, entry.petition, entry.created_by, entry.public) == (
        "delivery", petition, bob, False,
    )  # fmt: skip
    assert entry.evidence == [
        "https://example.org/photos/hand-in",
        "https://news.example.net/2026/hand-in",
    ]
    petition.refresh_from_db()
    assert petition.status == "delivered"
    created = AuditEntry.objects.get(action="ledger.create")
    assert (
        created.summary
        == f"Added ledger entry #{entry.pk} (delivery) to campaign #{petition.campaign_id}"
    )
    assert set(AuditEntry.objects.values_list("action", flat=True)) >= {
        "ledger.create",
        "petition.update",
    }
    page = client.get(response["Location"]).content.decode()
    assert f"to {petition.target_name}" in page
    assert "Delivered" in page


@pytest.mark.parametrize(
    ("evidence", "message"),
    [
        ("javascript:alert(1)", "Line 1 is not a public web address"),
        (
            "https://example.org/a\nhttp://192.168.1.10/minutes",
            "Line 2 is not a public web address",
        ),
        ("ftp://example.org/file", "Line 1 is not a public web address"),
        ("\n".join(f"https://example.org/{n}" for n in range(6)), "Enter 5 links or fewer"),
    ],
)
def test_evidence_links_must_be_public_web_addresses(
    client: Client, alice: User, owner: Membership, petition: Petition, evidence: str, message: str
) -> None:
    client.force_login(alice)
    response = client.post(
        reverse("ledger:entry_new", args=["alices"]), typed(petition, evidence=evidence)
    )
    html = response.content.decode()
    assert response.status_code == 400 and "<title>Error: " in html
    assert message in html and 'href="#id_evidence"' in html
    assert not LedgerEntry.objects.exists()


def test_the_form_refuses_a_petition_of_another_campaign_and_keeps_what_was_typed(
    client: Client, alice: User, owner: Membership, petition: Petition
) -> None:
    other = testing.make_campaign(owner, title="Quiet Lanes", slug="quiet-lanes")
    client.force_login(alice)
    response = client.post(
        reverse("ledger:entry_new", args=["alices"]),
        typed(petition, campaign=str(other.pk), happened_on_month="13"),
    )
    html = response.content.decode()
    assert "Choose a petition of this campaign, or none" in html
    assert "The date must be a real date" in html
    assert "We handed 1,240 signatures to the council" in html
    assert not LedgerEntry.objects.exists()


def test_a_public_entry_passes_the_safety_gate_first(
    client: Client, alice: User, bob: User, owner: Membership, petition: Petition
) -> None:
    url = reverse("ledger:entry_new", args=["alices"])
    client.force_login(bob)
    response = client.post(url, typed(petition, details=PHONE, public="on"))
    html = response.content.decode()
    assert "The safety check flagged" in html and "07700 900461" in html
    assert not LedgerEntry.objects.exists()
    # Kept private, the same words are the staff's own notes: no gate.
    assert client.post(url, typed(petition, details=PHONE)).status_code == 302
    LedgerEntry.objects.all().delete()
    # An owner lets it out with a reason, in the same step.
    client.force_login(alice)
    response = client.post(
        url,
        typed(petition, details=PHONE, public="on", safety_reason="The council's public line."),
    )
    assert response.status_code == 302
    entry = LedgerEntry.objects.get()
    assert entry.public
    override = SafetyOverride.objects.get(kind="ledger")
    assert override.object_id == str(entry.pk)


def test_public_entries_show_on_the_campaign_page_and_private_ones_do_not(
    client: Client, alice: User, owner: Membership, petition: Petition
) -> None:
    client.force_login(alice)
    url = reverse("ledger:entry_new", args=["alices"])
    client.post(url, typed(petition, public="on"))
    client.post(url, typed(petition, title="Our private note on the meeting", kind="ask"))
    client.logout()
    page = client.get(petition.campaign.get_absolute_url()).content.decode()
    assert "What has happened so far" in page
    assert "We handed 1,240 signatures to the council" in page
    assert "https://news.example.net/2026/hand-in" in page
    assert "Our private note on the meeting" not in page


def test_the_report_back_goes_through_the_petitions_updates_once_to_each_signer(
    client: Client,
    alice: User,
    owner: Membership,
    petition: Petition,
    smtp_server: testing.LocalSMTPServer,
) -> None:
    for n in range(3):
        signed = sign_petition(
            petition,
            SignatureRequest(email=f"reader{n}@example.net", given_name="Sam", wants_updates=True),
        )
        confirm_signature(signed.signature.pk)
    sign_petition(petition, SignatureRequest(email="quiet@example.net", given_name="Q"))
    smtp_server.messages.clear()
    client.force_login(alice)
    client.post(reverse("ledger:entry_new", args=["alices"]), typed(petition))
    entry = LedgerEntry.objects.get()
    url = reverse("ledger:report", args=["alices", entry.pk])
    draft = client.get(url).content.decode()
    assert "We handed 1,240 signatures to the council" in draft  # the subject, drafted
    assert "https://example.org/photos/hand-in" in draft  # the evidence, in the body
    response = client.post(
        url, {"subject": "We handed it in", "body": "Thank you: the council has it now."}
    )
    assert response.status_code == 302
    update = PetitionUpdate.objects.get()
    entry.refresh_from_db()
    assert entry.report == update
    testing.run_periodic("send_updates")
    recipients = sorted(m["To"] for m in smtp_server.messages)
    assert recipients == [f"reader{n}@example.net" for n in range(3)]
    assert AuditEntry.objects.filter(action="ledger.report").count() == 1


def test_an_analyst_reads_the_ledger_but_cannot_write_it(
    client: Client, org: Organisation, owner: Membership, petition: Petition
) -> None:
    dana = testing.make_user("dana@example.org", "Dana Analyst")
    testing.add_member(org, dana, "analyst")
    client.force_login(dana)
    assert client.get(reverse("ledger:list", args=["alices"])).status_code == 200
    assert (
        client.post(reverse("ledger:entry_new", args=["alices"]), typed(petition)).status_code
        == 403
    )
    assert not LedgerEntry.objects.exists()


def test_old_entries_go_with_their_retention_period(owner: Membership, org: Organisation,
                                                    petition: Petition) -> None:  # fmt: skip
    from groundswell.ledger.services import add_entry

    def add(day: date) -> Any:
        data = {"campaign": petition.campaign, "kind": "ask", "happened_on": day, "title": "Asked"}
        return add_entry(owner, data)

    add(timezone.localdate() - timedelta(days=3000))
    kept = add(timezone.localdate())
    discover()
    kind = REGISTRY["ledger.entries"]
    cutoff = kind.cutoff(timezone.now(), kind.default_days)
    assert kind.count(org, cutoff) == {"ledger entries": 1}
    assert kind.run(org, cutoff) == {"ledger entries": 1}
    assert list(LedgerEntry.objects.all()) == [kept]


def test_a_report_back_is_sent_once_and_a_second_send_is_refused_clearly(
    client: Client, alice: User, owner: Membership, petition: Petition
) -> None:
    client.force_login(alice)
    client.post(reverse("ledger:entry_new", args=["alices"]), typed(petition))
    entry = LedgerEntry.objects.get()
    url = reverse("ledger:report", args=["alices", entry.pk])
    words = {"subject": "We handed it in", "body": "Thank you: the council has it now."}
    assert client.post(url, words).status_code == 302
    # The same form, sent again from a second tab.
    response = client.post(url, words)
    html = response.content.decode()
    assert response.status_code == 400 and 'class="error-summary"' in html
    assert "This entry was already reported back to the petition&#x27;s signers" in html
    assert PetitionUpdate.objects.count() == 1
    assert AuditEntry.objects.filter(action="ledger.report").count() == 1
    # Opening the page again says so, with no form to send.
    page = client.get(url).content.decode()
    assert "Each entry is sent once." in page and "Send the update" not in page
