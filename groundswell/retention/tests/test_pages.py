"""The staff schedule page (owners change it, GOV.UK errors) and the public privacy notice."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils.html import escape

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.actions.models import Petition
from groundswell.actions.petitions import update_petition
from groundswell.audit.models import AuditEntry
from groundswell.retention import services
from groundswell.retention.models import RetentionPeriod

URL = "/staff/alices/retention/"
UNCONFIRMED = "actions.unconfirmed_signatures"
AUDIT = "audit.log"


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _defaults(org: Organisation) -> dict[str, str]:
    return {name: str(days) for name, days in services.periods(org).items()}


def test_an_owner_changes_a_period_and_the_change_is_audited(
    org: Organisation, alice: User
) -> None:
    data = _defaults(org) | {UNCONFIRMED: "45"}
    owner = _client(alice)
    response = owner.post(URL, data)
    assert response.status_code == 302
    assert services.periods(org)[UNCONFIRMED] == 45
    assert RetentionPeriod.objects.filter(organisation=org).count() == 1  # only the change
    entry = AuditEntry.objects.get(organisation=org, action="retention.schedule")
    assert entry.changes == {UNCONFIRMED: [30, 45]}
    page = owner.get(URL).content.decode()
    assert 'value="45"' in page
    assert "Schedule saved." in page


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter how many days to keep unconfirmed signatures."),
        ("thirty", "Enter the number of days as a whole number, like 30."),
        ("2.5", "Enter the number of days as a whole number, like 30."),
        ("13", "Keep unconfirmed signatures for at least 14 days."),
        ("-1", "Keep unconfirmed signatures for at least 14 days."),
        ("3651", "Keep unconfirmed signatures for at most 3650 days."),
        ("99999999999999999999999", "Keep unconfirmed signatures for at most 3650 days."),
    ],
)
def test_a_bad_period_is_refused_with_a_clear_message_and_kept_as_typed(
    org: Organisation, alice: User, typed: str, message: str
) -> None:
    data = _defaults(org) | {UNCONFIRMED: typed, AUDIT: "400"}
    response = _client(alice).post(URL, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r"<title>Error: ", page)
    assert 'class="error-summary"' in page
    field_id = f"id_{UNCONFIRMED}"
    assert f'<a href="#{field_id}">{message}</a>' in page
    assert f'id="{field_id}_error"' in page
    field = re.search(rf'<input[^>]*id="{re.escape(field_id)}"[^>]*>', page)
    assert field is not None
    assert f"{field_id}_error" in field[0]  # aria-describedby names the message
    assert f'value="{typed}"' in field[0] or (typed == "" and "value=" not in field[0])
    # The other field keeps what was typed too, and nothing was stored.
    assert 'value="400"' in page
    assert not RetentionPeriod.objects.exists()


def test_the_audit_log_cannot_be_kept_under_a_year(org: Organisation, alice: User) -> None:
    response = _client(alice).post(URL, _defaults(org) | {AUDIT: "30"})
    assert "Keep audit log for at least 365 days." in response.content.decode()
    assert services.periods(org)[AUDIT] == 6 * 365


def test_other_members_read_the_schedule_and_may_not_change_it(
    org: Organisation, bob: User, charlie: User
) -> None:
    page = _client(bob).get(URL)
    assert page.status_code == 200
    assert "Only owners can change this schedule." in page.content.decode()
    assert "Deleted after 30 days" in page.content.decode()
    refused = _client(bob).post(URL, _defaults(org) | {UNCONFIRMED: "45"})
    assert refused.status_code == 403
    assert services.periods(org)[UNCONFIRMED] == 30
    assert _client(charlie).get(URL).status_code == 404


def test_the_privacy_notice_is_made_from_the_schedule_and_the_wordings(
    client: Client, org: Organisation, owner: Membership, petition: Petition
) -> None:
    update_petition(owner, petition, {"consent_text": "I agree that Alice's may keep my name."})
    RetentionPeriod.objects.create(organisation=org, kind=UNCONFIRMED, days=45)
    response = client.get("/o/alices/privacy/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "I agree that Alice&#x27;s may keep my name." in page
    assert escape(petition.updates_wording.text) in page
    assert "Deleted after 45 days" in page  # the organisation's own period
    assert "Anonymised after 3 years" in page  # inactive supporters, by default
    assert "Deleted after 6 years" in page  # the audit log
    assert "Lasts 2 years" not in page and "lasts 2 years" in page  # consent to hear more
    assert "<script" not in page
    # Linked from the organisation's public pages.
    home = client.get("/o/alices/").content.decode()
    assert 'href="/o/alices/privacy/"' in home
    assert 'href="/o/alices/privacy/"' in client.get(petition.get_absolute_url()).content.decode()


def test_no_privacy_notice_for_an_organisation_the_public_cannot_see(
    client: Client, alice: User
) -> None:
    testing.make_organisation(alice, name="Not Yet", slug="not-yet", approved=False)
    assert client.get("/o/not-yet/privacy/").status_code == 404
    assert client.get("/o/nobody/privacy/").status_code == 404
