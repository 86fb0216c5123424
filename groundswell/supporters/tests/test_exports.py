import csv
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groundswell.accounts.models import Membership, Organisation, User
from groundswell.actions.models import Petition, Signature
from groundswell.audit.models import AuditEntry
from groundswell.lib.csvcells import csv_cell
from groundswell.referrals.models import ShareToken
from groundswell.supporters import services
from groundswell.supporters.erasure import erase_supporter
from groundswell.supporters.export import EXPORT_COLUMNS
from groundswell.supporters.models import Consent, Supporter


def download_csv(client: Client, org: Organisation) -> list[dict[str, str]]:
    response = client.get(reverse("supporters:staff_export", args=[org.slug]))
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="supporters-alices-')
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")  # so Excel reads the file as UTF-8
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def test_the_csv_has_one_row_per_supporter_with_consent_columns(
    client: Client,
    org: Organisation,
    alice: User,
    petition: Petition,
    sign: Callable[..., Signature],
) -> None:
    asha = sign(petition, "asha@example.net", postcode="N1 9GU").supporter
    sign(petition, "ben@example.net", given_name="Bén", confirm=False, wants_updates=False)
    client.force_login(alice)
    rows = download_csv(client, org)
    assert list(rows[0]) == list(EXPORT_COLUMNS)
    by_email = {row["email"]: row for row in rows}
    assert set(by_email) == {"asha@example.net", "ben@example.net"}
    row = by_email["asha@example.net"]
    assert (row["given_name"], row["family_name"], row["postcode"]) == ("Asha", "Verma", "N1 9GU")
    assert (row["signatures"], row["confirmed_signatures"], row["wants_updates"]) == (
        "1",
        "1",
        "yes",
    )
    petition_consent = Consent.objects.get(supporter=asha, purpose="petition")
    assert row["petition_consent_granted"] == "yes"
    assert petition_consent.confirmed_at is not None
    assert row["petition_consent_confirmed_at"] == petition_consent.confirmed_at.isoformat()
    assert row["petition_consent_withdrawn_at"] == ""
    assert row["petition_consent_wording_id"] == str(petition.consent_wording_id)
    assert row["updates_consent_granted"] == "yes"
    assert row["updates_consent_wording_id"] == str(petition.updates_wording_id)
    row = by_email["ben@example.net"]
    assert row["given_name"] == "Bén"
    assert (row["confirmed_signatures"], row["wants_updates"]) == ("0", "no")
    assert (row["petition_consent_granted"], row["petition_consent_confirmed_at"]) == ("yes", "")
    assert row["updates_consent_granted"] == "no"


def test_the_csv_shows_a_withdrawn_updates_consent(
    client: Client,
    org: Organisation,
    alice: User,
    petition: Petition,
    sign: Callable[..., Signature],
) -> None:
    asha = sign(petition, "asha@example.net").supporter
    services.withdraw_updates(asha)
    client.force_login(alice)
    [row] = download_csv(client, org)
    assert row["wants_updates"] == "no"
    assert row["updates_consent_granted"] == "yes"
    withdrawn = Consent.objects.get(supporter=asha, purpose="updates").withdrawn_at
    assert withdrawn is not None
    assert row["updates_consent_withdrawn_at"] == withdrawn.isoformat()


def test_the_csv_says_no_to_updates_once_the_consent_has_expired(
    client: Client,
    org: Organisation,
    alice: User,
    petition: Petition,
    sign: Callable[..., Signature],
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    asha = sign(petition, "asha@example.net").supporter
    Consent.objects.filter(supporter=asha, purpose="updates").update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    client.force_login(alice)
    [row] = download_csv(client, org)
    assert (row["wants_updates"], row["updates_consent_granted"]) == ("no", "yes")


def test_a_later_no_does_not_hide_the_standing_yes_behind_wants_updates(
    client: Client,
    org: Organisation,
    owner: Membership,
    alice: User,
    petition: Petition,
    sign: Callable[..., Signature],
) -> None:
    from groundswell import testing

    other = testing.make_petition(owner, petition.campaign, title="Save the meadow")
    sign(petition, "asha@example.net")
    sign(other, "asha@example.net", wants_updates=False)
    client.force_login(alice)
    [row] = download_csv(client, org)
    assert (row["signatures"], row["wants_updates"], row["updates_consent_granted"]) == (
        "2",
        "yes",
        "yes",
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil.example")', '\'=HYPERLINK("http://evil.example")'),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("  =1+1", "'  =1+1"),
        ("\t=1", "'\t=1"),
        ("Asha", "Asha"),
        ("o'Neil-Smith", "o'Neil-Smith"),
        (42, 42),
    ],
)
def test_cells_that_look_like_formulas_become_text(value: str | int, expected: str | int) -> None:
    assert csv_cell(value) == expected


def test_the_csv_defuses_formulas_that_supporters_typed(
    client: Client,
    org: Organisation,
    alice: User,
    petition: Petition,
    sign: Callable[..., Signature],
) -> None:
    sign(petition, "asha@example.net", given_name="=cmd|' /C calc'!A0", family_name="@SUM(1)")
    client.force_login(alice)
    [row] = download_csv(client, org)
    assert row["given_name"] == "'=cmd|' /C calc'!A0"
    assert row["family_name"] == "'@SUM(1)"


def test_the_csv_leaves_out_erased_supporters_and_the_export_is_audited(
    client: Client,
    org: Organisation,
    alice: User,
    owner: Membership,
    petition: Petition,
    sign: Callable[..., Signature],
) -> None:
    sign(petition, "asha@example.net")
    ben = sign(petition, "ben@example.net", given_name="Ben").supporter
    sign(petition, "cara@example.net", given_name="Cara")
    erase_supporter(owner, ben)
    client.force_login(alice)
    rows = download_csv(client, org)
    assert sorted(row["email"] for row in rows) == ["asha@example.net", "cara@example.net"]
    entry = AuditEntry.objects.get(action="supporter.export")
    assert entry.summary == "Exported 2 supporters as CSV"
    assert entry.actor == alice
    assert entry.organisation == org


def test_the_csv_export_streams_with_a_fixed_number_of_queries(
    client: Client,
    org: Organisation,
    alice: User,
    petition: Petition,
    sign: Callable[..., Signature],
) -> None:
    client.force_login(alice)
    sign(petition, "first@example.net")
    download_csv(client, org)  # the first staff visit also writes the session
    with CaptureQueriesContext(connection) as few:
        assert len(download_csv(client, org)) == 1
    for n in range(15):
        sign(petition, f"p{n}@example.net")
    with CaptureQueriesContext(connection) as many:
        assert len(download_csv(client, org)) == 16
    # session, user, membership (with the user's two-factor flag and the organisation:
    # accounts/access.py asks nothing more), count, audit entry, supporters, consents,
    # standing ones
    assert len(many) == len(few) <= 8


# --- Subject-access request -----------------------------------------------------------------


def download_json(client: Client, org: Organisation, supporter: Supporter) -> dict[str, Any]:
    response = client.get(reverse("supporters:staff_export_json", args=[org.slug, supporter.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == (
        f'attachment; filename="supporter-{supporter.pk}.json"'
    )
    document: dict[str, Any] = json.loads(response.content)
    return document


def test_the_subject_access_export_holds_everything_about_the_person(
    client: Client,
    org: Organisation,
    alice: User,
    petition: Petition,
    sign: Callable[..., Signature],
) -> None:
    signature = sign(
        petition,
        "asha@example.net",
        postcode="N1 9GU",
        comment="For the otters.",
        url="https://news.example/rivers",
        channel="newsletter",
    )
    asha = signature.supporter
    ben = sign(petition, "ben@example.net", given_name="Ben", via=asha, channel="whatsapp")
    client.force_login(alice)
    data = download_json(client, org, asha)
    assert data["organisation"] == {"name": org.name, "slug": "alices"}
    person = data["supporter"]
    assert person["id"] == asha.pk
    assert (person["email"], person["given_name"], person["family_name"]) == (
        "asha@example.net",
        "Asha",
        "Verma",
    )
    assert person["postcode"] == "N1 9GU"
    assert person["erased_at"] is None
    [signed] = data["signatures"]
    assert signed["petition"] == {"id": petition.pk, "title": "Stop the sewage"}
    assert signed["state"] == "confirmed"
    assert signed["comment"] == "For the otters."
    assert signed["referrer_data"]["url"] == "https://news.example/rivers"
    assert signed["confirmed_at"]
    consents = {c["purpose"]: c for c in data["consents"]}
    assert consents["petition"]["wording"] == {
        "id": petition.consent_wording_id,
        "text": petition.consent_wording.text,
    }
    assert consents["updates"]["wording"]["text"] == petition.updates_wording.text
    assert consents["updates"]["granted"] is True
    assert consents["petition"]["source_url"] == "https://news.example/rivers"
    [share] = data["share_tokens"]
    token = ShareToken.objects.get(supporter=asha).token
    assert share["token"] == token
    assert f"ref={token}" in share["link"]
    assert data["sharing_generated"] == {
        "brought_directly": 1,
        "signatures_in_all": 1,
        "new_supporters": 1,
        "rsvps_brought": 0,
        "volunteers_brought": 0,
    }
    # Ben's export says a link brought him, not whose link it was.
    ben_data = download_json(client, org, ben.supporter)
    assert ben_data["signatures"][0]["referred_by_a_supporter"] is True
    assert "referrer" not in ben_data["signatures"][0]["referrer_data"]
    assert "asha" not in json.dumps(ben_data).lower()


def test_the_subject_access_export_is_audited_without_naming_the_person(
    client: Client,
    org: Organisation,
    alice: User,
    petition: Petition,
    sign: Callable[..., Signature],
) -> None:
    asha = sign(petition, "asha@example.net").supporter
    client.force_login(alice)
    download_json(client, org, asha)
    entry = AuditEntry.objects.get(action="supporter.access_export")
    assert entry.summary == (
        f"Exported the data held about supporter #{asha.pk} (subject-access request)"
    )
    assert (entry.target_type, entry.target_id) == ("supporter", str(asha.pk))
    assert "asha" not in entry.summary.lower()
