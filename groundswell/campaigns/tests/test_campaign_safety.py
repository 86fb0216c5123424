"""Campaign and petition words are public while the campaign is: they pass the safety gate
when it goes live and at every edit while live; a draft may hold flagged words."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.actions.models import Petition
from groundswell.actions.petitions import update_petition
from groundswell.audit.models import AuditEntry
from groundswell.campaigns.models import Campaign
from groundswell.campaigns.services import campaign_text, update_campaign
from groundswell.safety.models import SafetyOverride
from groundswell.safety.services import Flagged, text_hash

PHONE = "07700 900123"
FLAGGED = f"Ring the landlord on {PHONE} and tell him what you think."
REASON = "It is the lettings agency's public office number, on its own website."


def test_a_draft_may_hold_flagged_words_but_cannot_go_live_with_them(
    owner: Membership, editor: Membership
) -> None:
    campaign = testing.make_campaign(owner, status="draft", summary=FLAGGED)
    with pytest.raises(Flagged):
        update_campaign(editor, campaign, {"status": "live"})
    assert Campaign.objects.get(pk=campaign.pk).status == "draft"
    with pytest.raises(PermissionDenied):
        update_campaign(editor, campaign, {"status": "live"}, safety_reason=REASON)
    update_campaign(owner, campaign, {"status": "live"}, safety_reason=REASON)
    assert Campaign.objects.get(pk=campaign.pk).status == "live"
    row = SafetyOverride.objects.get()
    assert (row.kind, row.reason) == ("campaign", REASON)
    assert row.text_hash == text_hash(campaign_text(Campaign.objects.get(pk=campaign.pk)))


def test_a_live_campaign_cannot_be_created_or_edited_into_flagged_words(
    owner: Membership, editor: Membership
) -> None:
    with pytest.raises(Flagged):
        testing.make_campaign(editor, summary=FLAGGED)
    assert not Campaign.objects.exists()
    campaign = testing.make_campaign(editor)
    with pytest.raises(Flagged):
        update_campaign(editor, campaign, {"change_sought": FLAGGED})
    assert PHONE not in campaign_text(Campaign.objects.get(pk=campaign.pk))
    with pytest.raises(Flagged):
        update_campaign(editor, campaign, {"title": f"Call {PHONE}"})
    assert Campaign.objects.get(pk=campaign.pk).title == "Clean Rivers Now"


def test_the_edit_page_offers_the_reason_to_an_owner_and_keeps_what_was_typed(
    client: Client, alice: User, owner: Membership, org: Organisation
) -> None:
    campaign = testing.make_campaign(owner)
    client.force_login(alice)
    url = reverse("campaigns:staff_edit", args=[org.slug, campaign.pk])
    data = {"title": "Clean Rivers Now", "slug": "clean-rivers", "status": "live"}
    refused = client.post(url, {**data, "summary": FLAGGED})
    html = refused.content.decode()
    assert refused.status_code == 200 and "<title>Error:" in html
    assert PHONE in html and 'name="safety_reason"' in html
    assert PHONE not in Campaign.objects.get(pk=campaign.pk).summary
    assert (
        client.post(url, {**data, "summary": FLAGGED, "safety_reason": REASON}).status_code == 302
    )
    assert Campaign.objects.get(pk=campaign.pk).summary == FLAGGED
    assert SafetyOverride.objects.get().reason == REASON
    entry = AuditEntry.objects.get(action="safety.override")
    assert REASON not in entry.summary and PHONE not in entry.summary


def test_an_editor_is_not_offered_the_reason(
    client: Client, bob: User, editor: Membership, owner: Membership, org: Organisation
) -> None:
    campaign = testing.make_campaign(owner)
    client.force_login(bob)
    url = reverse("campaigns:staff_edit", args=[org.slug, campaign.pk])
    data = {"title": "Clean Rivers Now", "slug": "clean-rivers", "status": "live"}
    refused = client.post(url, {**data, "summary": FLAGGED, "safety_reason": REASON})
    html = refused.content.decode()
    assert refused.status_code == 200 and 'name="safety_reason"' not in html
    assert "ask an owner or a safety officer" in html
    assert not SafetyOverride.objects.exists()


def test_a_public_petition_cannot_carry_flagged_words_without_an_override(
    owner: Membership, editor: Membership, petition: Petition
) -> None:
    with pytest.raises(Flagged):
        update_petition(editor, petition, {"ask": FLAGGED})
    assert Petition.objects.get(pk=petition.pk).ask != FLAGGED
    with pytest.raises(Flagged):
        testing.make_petition(editor, petition.campaign, title=f"Call {PHONE}")
    assert Petition.objects.count() == 1
    update_petition(owner, petition, {"ask": FLAGGED}, safety_reason=REASON)
    assert Petition.objects.get(pk=petition.pk).ask == FLAGGED
    assert SafetyOverride.objects.get().kind == "petition"


def test_a_draft_campaigns_petition_may_hold_flagged_words(editor: Membership) -> None:
    draft = testing.make_campaign(editor, status="draft")
    made = testing.make_petition(editor, draft, ask=FLAGGED)
    assert made.ask == FLAGGED


def test_the_petition_page_offers_the_reason_to_an_owner(
    client: Client, alice: User, org: Organisation, petition: Petition
) -> None:
    client.force_login(alice)
    url = reverse("actions:staff_edit", args=[org.slug, petition.pk])
    page = client.get(url).content.decode()
    assert 'name="safety_reason"' not in page
    data = {
        "campaign": petition.campaign.pk,
        "title": petition.title,
        "ask": FLAGGED,
        "target_name": petition.target_name,
        "target_role": petition.target_role,
        "goal": 1000,
        "status": "open",
        "consent_text": petition.consent_wording.text,
        "updates_text": petition.updates_wording.text,
    }
    refused = client.post(url, data)
    html = refused.content.decode()
    assert refused.status_code == 200 and "The safety check flagged 1 passage" in html
    assert 'name="safety_reason"' in html
    assert Petition.objects.get(pk=petition.pk).ask != FLAGGED
    done = client.post(url, {**data, "safety_reason": REASON})
    assert done.status_code == 302
    assert Petition.objects.get(pk=petition.pk).ask == FLAGGED


def test_an_edit_let_out_by_an_override_keeps_no_copy_in_the_log(owner: Membership) -> None:
    campaign = testing.make_campaign(owner)
    update_campaign(owner, campaign, {"summary": FLAGGED}, safety_reason=REASON)
    entry = AuditEntry.objects.get(action="campaign.update")
    assert PHONE not in str(entry.changes) and PHONE not in entry.summary
    assert "withheld" in entry.changes["summary"][1]


def test_going_live_takes_the_petitions_words_out_too(
    owner: Membership, editor: Membership
) -> None:
    from groundswell.actions.petitions import petition_text
    from groundswell.campaigns.services import petitions_text

    draft = testing.make_campaign(editor, status="draft")
    petition = testing.make_petition(editor, draft, ask=FLAGGED)
    # The campaign side reads a petition exactly as the petition's own gate does.
    assert petitions_text(draft) == [(petition, petition_text(petition))]
    with pytest.raises(Flagged):
        update_campaign(editor, draft, {"status": "live"})
    assert Campaign.objects.get(pk=draft.pk).status == "draft"
    update_campaign(owner, draft, {"status": "live"}, safety_reason=REASON)
    assert Campaign.objects.get(pk=draft.pk).status == "live"
    row = SafetyOverride.objects.get(kind="petition")
    assert row.object_id == str(petition.pk) and row.text_hash == text_hash(petition_text(petition))


def test_the_edit_page_offers_the_reason_when_a_petition_would_go_public(
    client: Client, alice: User, owner: Membership, org: Organisation
) -> None:
    draft = testing.make_campaign(owner, status="draft")
    testing.make_petition(owner, draft, ask=FLAGGED)
    client.force_login(alice)
    url = reverse("campaigns:staff_edit", args=[org.slug, draft.pk])
    data = {"title": "Clean Rivers Now", "slug": "clean-rivers", "status": "live"}
    refused = client.post(url, data)
    assert refused.status_code == 200 and 'name="safety_reason"' in refused.content.decode()
    assert client.post(url, {**data, "safety_reason": REASON}).status_code == 302
    assert Campaign.objects.get(pk=draft.pk).status == "live"
