"""The donate form's errors, and the staff pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.payments.models import Appeal, Donation, PaymentAccount

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"amount": ""}, "amount", "Choose an amount"),
        ({"amount": "999"}, "amount", "Choose one of the amounts shown"),
        ({"amount": "other", "other_amount": ""}, "other_amount", "Type the amount"),
        ({"amount": "other", "other_amount": "ten"}, "other_amount", "in numbers"),
        ({"amount": "other", "other_amount": "0.50"}, "other_amount", "The least you can give"),
        ({"amount": "other", "other_amount": "1.005"}, "other_amount", "in numbers"),
        ({"amount": "other", "other_amount": "999999"}, "other_amount", "please contact us"),
        ({"email": "not-an-address"}, "email", "email address"),
        ({"given_name": ""}, "given_name", "Enter your first name"),
        ({"frequency": "weekly"}, "frequency", "Select a valid choice"),
    ],
)
def test_each_bad_answer_gets_its_message_and_keeps_the_rest(
    client: Client, appeal: Appeal, fields: dict[str, str], field: str, message: str
) -> None:
    data = {
        "amount": "500",
        "frequency": "once",
        "given_name": "Tomas",
        "email": "tomas@example.net",
        **fields,
    }
    url = reverse("payments:donate", args=["alices", appeal.campaign.slug])
    response = client.post(url, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert html.count(message) == 2  # in the summary and by the field
    assert f'href="#id_{field}"' in html
    assert "<title>Error:" in html
    if field != "email":
        assert 'value="tomas@example.net"' in html
    assert Donation.objects.count() == 0


def test_a_closed_appeal_or_a_draft_campaign_takes_no_donations(
    client: Client, appeal: Appeal
) -> None:
    url = reverse("payments:donate", args=["alices", appeal.campaign.slug])
    assert client.get(url).status_code == 200
    Appeal.objects.filter(pk=appeal.pk).update(open=False)
    assert client.get(url).status_code == 404
    assert client.post(url, {"amount": "500"}).status_code == 404


def test_an_unknown_donation_page_is_not_found(client: Client, appeal: Appeal) -> None:
    assert client.get("/o/alices/donations/nothing-here/").status_code == 404
    assert client.get("/o/alices/donations/nothing-here/thanks/").status_code == 404


def test_an_owner_connects_a_provider_and_the_keys_are_stored_sealed(
    client: Client, alice: Any, owner: Any
) -> None:
    client.force_login(alice)
    url = reverse("payments:staff_accounts", args=["alices"])
    page = client.get(url)
    assert b"/payments/stripe/webhook/alices/" in page.content
    bad = client.post(url, {"provider": "razorpay", "api_key": "x", "webhook_secret": "y"})
    assert bad.status_code == 400
    assert b"key id" in bad.content
    done = client.post(
        url,
        {"provider": "stripe", "api_key": "sk_test_abc123", "webhook_secret": "whsec_def456"},
    )
    assert done.status_code == 302
    account = PaymentAccount.objects.get()
    assert "sk_test_abc123" not in account.api_key_sealed
    assert "whsec_def456" not in account.webhook_secret_sealed
    assert b"sk_test_abc123" not in client.get(url).content


def test_an_owner_sets_up_a_campaigns_appeal(client: Client, alice: Any, owner: Any) -> None:
    campaign = testing.make_campaign(owner)
    client.force_login(alice)
    url = reverse("payments:staff_appeal", args=["alices", campaign.pk])
    bad = client.post(
        url, {"provider": "razorpay", "currency": "INR", "suggested": "100, lots", "monthly": "on"}
    )
    assert bad.status_code == 400
    assert "“lots” is not an amount" in bad.content.decode()
    good = client.post(
        url, {"provider": "stripe", "currency": "EUR", "suggested": "20, 5, 10.50", "open": "on"}
    )
    assert good.status_code == 302
    appeal = Appeal.objects.get()
    assert (appeal.currency, appeal.suggested, appeal.open) == ("EUR", [500, 1050, 2000], True)
    assert "5, 10.50, 20" in client.get(url).content.decode()


def test_amounts_and_donors_are_for_owners_only(
    client: Client, appeal: Appeal, bob: Any, alice: Any
) -> None:
    client.post(
        reverse("payments:donate", args=["alices", appeal.campaign.slug]),
        {"amount": "2500", "frequency": "once", "given_name": "Ines", "email": "ines@example.net"},
    )
    url = reverse("payments:staff_donations", args=["alices"])
    client.force_login(bob)
    assert client.get(url).status_code == 403
    client.force_login(alice)
    page = client.get(url).content.decode()
    assert "Ines" in page and "£25" in page


def test_the_demo_has_fictional_donations_and_pledges(
    client: Client, alice: Any, owner: Any
) -> None:
    from groundswell.payments.demo import seed_donations
    from groundswell.payments.models import Payment, Pledge

    seed_donations(owner, testing.make_campaign(owner, slug="warm-homes"))
    assert Donation.objects.filter(state__in=["paid", "active"]).count() == 6
    assert Payment.objects.count() == 6
    assert sorted(Pledge.objects.values_list("kind", flat=True)) == ["money", "time"]
    assert all(
        email.endswith("@example.org") for email in Donation.objects.values_list("email", flat=True)
    )
    client.force_login(alice)
    page = client.get(reverse("payments:staff_donations", args=["alices"])).content.decode()
    assert "£115" in page  # 10 + 25 + 5 + 50 + 10 + 15
    assert "Deliver draught-proofing kits" in page
    # The page's title is words only (markup there once spilled a whole table into it), and
    # each table scrolls in a labelled region of its own on a phone.
    title = page.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<" not in title and title.startswith("Donations")
    assert page.count('class="table-scroll" tabindex="0" role="region"') == 3
