"""Giving through Razorpay's orders and hosted checkout, against a stand-in on 127.0.0.1."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.payments.models import Appeal, Donation, DonationState, Payment, ProviderEvent

from .standin import RAZORPAY_KEY_ID, Standin, razorpay_event, signed_razorpay

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("razorpay_account")]


def webhook(client: Client, body: bytes, headers: dict[str, str]) -> Any:
    return client.post(
        reverse("payments:webhook", args=["razorpay", "alices"]),
        body,
        content_type="application/json",
        headers=headers,
    )


def opened(client: Client, appeal: Appeal) -> Donation:
    url = reverse("payments:donate", args=["alices", appeal.campaign.slug])
    response = client.post(
        url,
        {
            "amount": "other",
            "other_amount": "750",
            "given_name": "Asha",
            "email": "asha@example.in",
        },
    )
    assert response.status_code == 302
    testing.run_periodic("open_checkouts")
    return Donation.objects.get()


def captured(donation: Donation, payment_id: str = "pay_1", kind: str = "payment.captured") -> Any:
    payment = {
        "id": payment_id,
        "amount": donation.amount,
        "currency": "INR",
        "order_id": donation.checkout_id,
        "notes": {"donation": donation.token},
    }
    return razorpay_event(kind, payment)


def test_an_order_is_made_and_the_page_posts_the_donor_to_the_hosted_checkout(
    client: Client, rupee_appeal: Appeal, standin: Standin
) -> None:
    donation = opened(client, rupee_appeal)
    assert donation.state == DonationState.OPEN
    order = standin.orders[donation.checkout_id]
    assert (order["amount"], order["currency"], order["receipt"]) == (75000, "INR", donation.token)
    page = client.get(reverse("payments:donation", args=["alices", donation.token]))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'action="{standin.base}/v1/checkout/embedded"' in html
    assert f'value="{RAZORPAY_KEY_ID}"' in html
    assert f'value="{donation.checkout_id}"' in html
    assert f"form-action 'self' {standin.base}" in page["Content-Security-Policy"]


def test_captured_and_order_paid_for_one_payment_count_it_once(
    client: Client, rupee_appeal: Appeal, standin: Standin, smtp_server: testing.LocalSMTPServer
) -> None:
    donation = opened(client, rupee_appeal)
    assert webhook(client, *signed_razorpay(captured(donation), "Eaaa")).status_code == 200
    again = webhook(client, *signed_razorpay(captured(donation), "Eaaa"))
    assert again.content == b"Already received."
    paid = captured(donation, kind="order.paid")
    assert webhook(client, *signed_razorpay(paid, "Ebbb")).status_code == 200
    testing.run_periodic("apply_payment_events")
    donation.refresh_from_db()
    assert donation.state == DonationState.PAID
    assert Payment.objects.get().amount == 75000
    assert len(smtp_server.bodies()) == 1
    assert "₹750" in smtp_server.bodies()[0]


@pytest.mark.parametrize(
    ("why", "make"),
    [
        ("another secret", lambda e: signed_razorpay(e, "E1", secret="not_ours")),
        ("no signature", lambda e: (signed_razorpay(e, "E1")[0], {"X-Razorpay-Event-Id": "E1"})),
        (
            "no event id",
            lambda e: (
                signed_razorpay(e, "E1")[0],
                {"X-Razorpay-Signature": signed_razorpay(e, "E1")[1]["X-Razorpay-Signature"]},
            ),
        ),
        (
            "replayed days later",
            lambda e: signed_razorpay({**e, "created_at": int(time.time()) - 3 * 86400}, "E1"),
        ),
    ],
)
def test_forged_and_replayed_razorpay_webhooks_are_refused(
    client: Client, rupee_appeal: Appeal, standin: Standin, why: str, make: Any
) -> None:
    donation = opened(client, rupee_appeal)
    response = webhook(client, *make(captured(donation)))
    assert response.status_code == 400, why
    assert ProviderEvent.objects.count() == 0


def test_a_failed_payment_and_a_refund_are_reflected(
    client: Client, rupee_appeal: Appeal, standin: Standin
) -> None:
    donation = opened(client, rupee_appeal)
    webhook(client, *signed_razorpay(captured(donation, kind="payment.failed"), "E1"))
    testing.run_periodic("apply_payment_events")
    donation.refresh_from_db()
    assert donation.state == DonationState.FAILED
    # A later attempt on the same order succeeds, then is refunded in full.
    webhook(client, *signed_razorpay(captured(donation, payment_id="pay_2"), "E2"))
    refund = captured(donation, payment_id="pay_2", kind="refund.processed")
    refund["payload"]["payment"]["entity"]["amount_refunded"] = donation.amount
    webhook(client, *signed_razorpay(refund, "E3"))
    testing.run_periodic("apply_payment_events")
    donation.refresh_from_db()
    assert donation.state == DonationState.REFUNDED


def test_monthly_is_not_offered_where_the_appeal_does_not_offer_it(
    client: Client, rupee_appeal: Appeal, standin: Standin
) -> None:
    page = client.get(reverse("payments:donate", args=["alices", rupee_appeal.campaign.slug]))
    assert b'name="frequency"' not in page.content
    assert "₹500" in page.content.decode()
