"""Gift Aid: the declaration as a consent record in its words, and the claim for HMRC."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from groundswell import testing
from groundswell.payments import giftaid
from groundswell.payments.models import Appeal, Donation, Payment
from groundswell.supporters.models import Consent

from .standin import Standin, signed_stripe, stripe_event

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_account")]


def give(client: Client, appeal: Appeal, **fields: str) -> Any:
    data = {
        "amount": "1000",
        "frequency": "once",
        "given_name": "Harriet",
        "family_name": "Smith-Jones",
        "email": "harriet@example.net",
        "gift_aid": "on",
        "title": "Dr",
        "house": "12",
        "postcode": "bs7 8ab",
        **fields,
    }
    return client.post(reverse("payments:donate", args=["alices", appeal.campaign.slug]), data)


def paid(client: Client, donation: Donation, intent: str, amount: int = 1000) -> None:
    session = {
        "id": donation.checkout_id,
        "client_reference_id": donation.token,
        "mode": "payment",
        "payment_status": "paid",
        "payment_intent": intent,
        "amount_total": amount,
        "currency": "gbp",
    }
    body, headers = signed_stripe(stripe_event("checkout.session.completed", session))
    client.post(
        reverse("payments:webhook", args=["stripe", "alices"]),
        body,
        content_type="application/json",
        headers=headers,
    )


def test_the_declaration_is_kept_as_a_consent_in_the_words_ticked(
    client: Client, gift_aid_appeal: Appeal, standin: Standin
) -> None:
    page = client.get(reverse("payments:donate", args=["alices", "otters"])).content.decode()
    wording = gift_aid_appeal.gift_aid_wording
    assert wording is not None
    assert escape(wording.text) in page
    assert "Alice" in wording.text and "UK taxpayer" in wording.text
    assert give(client, gift_aid_appeal).status_code == 302
    testing.run_periodic("open_checkouts")
    donation = Donation.objects.get()
    assert (donation.gift_aid, donation.title, donation.house, donation.postcode) == (
        True, "Dr", "12", "BS7 8AB",
    )  # fmt: skip
    consent = Consent.objects.get(purpose="gift_aid")
    assert consent.supporter_id == donation.supporter_id
    assert consent.wording_id == wording.pk and consent.granted
    assert consent.confirmed_at is not None


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"postcode": "12345"}, "postcode", "Enter a UK postcode"),
        ({"house": ""}, "house", "house name or number"),
        ({"family_name": ""}, "family_name", "HMRC needs it"),
        ({"title": "D7"}, "title", "letters only"),
    ],
)
def test_a_declaration_without_what_hmrc_needs_is_refused(
    client: Client, gift_aid_appeal: Appeal, fields: dict[str, str], field: str, message: str
) -> None:
    response = give(client, gift_aid_appeal, **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert f'href="#id_{field}"' in response.content.decode()
    assert Donation.objects.count() == 0


def test_without_the_box_ticked_no_address_is_kept(
    client: Client, gift_aid_appeal: Appeal, standin: Standin
) -> None:
    give(client, gift_aid_appeal, gift_aid="", postcode="nonsense")
    testing.run_periodic("open_checkouts")
    donation = Donation.objects.get()
    assert (donation.gift_aid, donation.house, donation.postcode) == (False, "", "")
    assert not Consent.objects.filter(purpose="gift_aid").exists()


def test_the_claim_lists_each_gift_aid_payment_of_the_period_in_hmrcs_columns(
    client: Client, gift_aid_appeal: Appeal, standin: Standin, alice: Any
) -> None:
    give(client, gift_aid_appeal)
    give(client, gift_aid_appeal, email="no.aid@example.net", gift_aid="")
    give(client, gift_aid_appeal, email="refunded@example.net", given_name="Rae")
    testing.run_periodic("open_checkouts")
    first, no_aid, refunded = Donation.objects.order_by("pk")
    paid(client, first, "pi_1", 2500)
    paid(client, no_aid, "pi_2", 2500)
    paid(client, refunded, "pi_3", 2500)
    testing.run_periodic("apply_payment_events")
    Payment.objects.filter(reference="pi_3").update(refunded=2500)
    today = timezone.localdate()
    client.force_login(alice)
    url = reverse("payments:staff_gift_aid", args=["alices"])
    assert client.get(url).status_code == 200
    bad = client.get(
        url, testing.date_parts("first", today) | testing.date_parts("last", date(2001, 1, 1))
    )
    assert bad.status_code == 400
    period = (
        testing.date_parts("first", today) | testing.date_parts("last", today) | {"format": "csv"}
    )
    answer = client.get(url, period)
    assert answer["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.content.decode())))
    assert rows[0] == list(giftaid.COLUMNS)
    assert rows[1:] == [
        ["Dr", "Harriet", "Smith Jones", "12", "BS7 8AB", "", "", f"{today:%d/%m/%y}", "25.00"]
    ]
    later = today + timedelta(days=1)
    empty = client.get(
        url, period | testing.date_parts("first", later) | testing.date_parts("last", later)
    )
    assert list(csv.reader(io.StringIO(empty.content.decode())))[1:] == []


def test_postcodes_are_written_as_hmrc_asks() -> None:
    assert giftaid.normal_postcode("sw1a1aa") == "SW1A 1AA"
    assert giftaid.normal_postcode(" M1 1AE ") == "M1 1AE"
    assert giftaid.normal_postcode("12345") is None
    assert giftaid.normal_postcode("SW1A 1AA X") is None


def test_a_name_typed_as_a_formula_reaches_the_claim_as_plain_text(
    client: Client, gift_aid_appeal: Appeal, standin: Standin, alice: Any
) -> None:
    give(client, gift_aid_appeal, given_name="=HYPERLINK(1)", house="+44")
    testing.run_periodic("open_checkouts")
    paid(client, Donation.objects.get(), "pi_1", 2500)
    testing.run_periodic("apply_payment_events")
    today = timezone.localdate()
    client.force_login(alice)
    url = reverse("payments:staff_gift_aid", args=["alices"])
    period = (
        testing.date_parts("first", today) | testing.date_parts("last", today) | {"format": "csv"}
    )
    answer = client.get(url, period)
    row = list(csv.reader(io.StringIO(answer.content.decode())))[1]
    assert (row[1], row[3]) == ("'=HYPERLINK(1)", "'+44")
