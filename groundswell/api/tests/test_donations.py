"""OSDI fundraising pages, donations and the Record Donation Helper."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from groundswell import testing
from groundswell.api.endpoints import TOKEN_HEADER
from groundswell.api.services import issue_token
from groundswell.payments import services as payments
from groundswell.payments.models import Appeal, Donation, Payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def appeal(owner: Any) -> Appeal:
    campaign = testing.make_campaign(owner, slug="otters")
    return payments.save_appeal(
        owner, campaign, {"provider": "stripe", "currency": "GBP", "suggested": [500]}
    )


@pytest.fixture
def token(owner: Any) -> str:
    return issue_token(owner, name="CRM")[1]


def helper(client: Client, appeal: Appeal, token: str, body: Any) -> Any:
    return client.post(
        f"/api/osdi/v1/fundraising_pages/{appeal.pk}/record_donation_helper",
        body,
        content_type="application/json",
        headers={TOKEN_HEADER: token},
    )


BODY = {
    "identifiers": ["crm:991"],
    "amount": "25.00",
    "currency": "GBP",
    "action_date": "2026-12-01T10:00:00Z",
    "person": {
        "given_name": "Oren",
        "family_name": "Pike",
        "email_addresses": [{"address": "oren.pike@example.net", "primary": True}],
    },
    "referrer_data": {"source": "events"},
}


def test_the_helper_records_a_gift_once_per_identifier(
    client: Client, appeal: Appeal, token: str
) -> None:
    first = helper(client, appeal, token, BODY)
    assert first.status_code == 201
    assert first["Content-Type"] == "application/hal+json"
    again = helper(client, appeal, token, BODY)
    assert again.status_code == 200
    assert again.json()["identifiers"] == first.json()["identifiers"]
    gift = Donation.objects.get()
    assert (gift.amount, gift.state, gift.provider, gift.external_id) == (
        2500,
        "paid",
        "api",
        "crm:991",
    )
    assert gift.supporter is not None and gift.supporter.email == "oren.pike@example.net"
    assert Payment.objects.get().paid_at.isoformat().startswith("2026-12-01")
    assert first.json()["amount"] == "25.00"
    listed = client.get(
        f"/api/osdi/v1/fundraising_pages/{appeal.pk}/donations", headers={TOKEN_HEADER: token}
    ).json()
    assert listed["total_records"] == 1
    one = listed["_embedded"]["osdi:donations"][0]
    assert one["_links"]["osdi:person"]["href"].endswith(f"/people/{gift.supporter_id}")
    pages = client.get("/api/osdi/v1/fundraising_pages", headers={TOKEN_HEADER: token}).json()
    assert pages["_embedded"]["osdi:fundraising_pages"][0]["currency"] == "GBP"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"identifiers": []}, "IDENTIFIER_MISSING"),
        ({"amount": "a lot"}, "AMOUNT_INVALID"),
        ({"amount": "0.10"}, "AMOUNT_INVALID"),
        ({"currency": "EUR"}, "CURRENCY_MISMATCH"),
        ({"person": {"given_name": "Oren"}}, "EMAIL_MISSING"),
        ({"person": {"email_addresses": [{"address": "x@example.net"}]}}, "GIVEN_NAME_MISSING"),
        ({"identifiers": "crm:1"}, "FIELD_INVALID"),
    ],
)
def test_bad_bodies_are_refused_with_a_reason_and_store_nothing(
    client: Client, appeal: Appeal, token: str, change: dict[str, Any], code: str
) -> None:
    response = helper(client, appeal, token, {**BODY, **change})
    assert response.status_code == 400
    assert code in response.content.decode()
    assert Donation.objects.count() == 0


def test_the_helper_needs_the_organisations_token(
    client: Client, appeal: Appeal, charlie: Any
) -> None:
    from groundswell.accounts.models import Membership

    other = issue_token(Membership.objects.get(user=charlie), name="Theirs")[1]
    assert helper(client, appeal, "", BODY).status_code == 401
    assert helper(client, appeal, other, BODY).status_code == 404
    assert Donation.objects.count() == 0


def test_pages_beyond_reach_are_refused_not_a_server_error(
    client: Client, appeal: Appeal, token: str
) -> None:
    for path in (
        "/api/osdi/v1/fundraising_pages",
        f"/api/osdi/v1/fundraising_pages/{appeal.pk}/donations",
    ):
        for query in ("?page=99999999999999", "?per_page=0", "?page=-1"):
            response = client.get(path + query, headers={TOKEN_HEADER: token})
            assert response.status_code == 400, (path, query)
