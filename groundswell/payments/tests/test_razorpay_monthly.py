"""Monthly gifts through Razorpay Subscriptions: a plan and a subscription on the stand-in,
the first payment authorised on the hosted checkout, each month's `subscription.charged`
a payment, `subscription.cancelled` the end; webhooks signed as Razorpay signs them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.payments import services
from groundswell.payments.models import Appeal, Donation, DonationState, Payment
from groundswell.payments.providers import Event, razorpay

from .standin import RAZORPAY_KEY_ID, Standin, razorpay_event, signed_razorpay

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("razorpay_account")]


@pytest.fixture
def monthly_rupees(rupee_appeal: Appeal, owner: Membership) -> Appeal:
    return services.save_appeal(
        owner,
        rupee_appeal.campaign,
        {"provider": "razorpay", "currency": "INR", "suggested": [50000, 100000],
         "monthly": True, "open": True},
    )  # fmt: skip


def post_held(client: Client, standin: Standin) -> list[int]:
    """Deliver the stand-in's signed webhooks to our endpoint, as Razorpay would."""
    answers = []
    for body, headers in standin.held:
        answer = client.post(
            reverse("payments:webhook", args=["razorpay", "alices"]),
            body,
            content_type="application/json",
            headers=headers,
        )
        answers.append(answer.status_code)
    standin.held.clear()
    testing.run_periodic("apply_payment_events")
    return answers


def give_monthly(client: Client, appeal: Appeal) -> Donation:
    url = reverse("payments:donate", args=["alices", appeal.campaign.slug])
    page = client.get(url).content.decode()
    assert 'name="frequency"' in page and 'value="monthly"' in page
    response = client.post(
        url,
        {"amount": "50000", "frequency": "monthly", "given_name": "Asha",
         "email": "asha@example.in"},
    )  # fmt: skip
    assert response.status_code == 302, response.content[:500]
    testing.run_periodic("open_checkouts")
    return Donation.objects.get()


def test_a_monthly_gift_is_a_plan_and_a_subscription_paid_on_the_hosted_checkout(
    client: Client, monthly_rupees: Appeal, standin: Standin,
    smtp_server: testing.LocalSMTPServer,
) -> None:  # fmt: skip
    donation = give_monthly(client, monthly_rupees)
    assert donation.state == DonationState.OPEN
    subscription = standin.subscriptions[donation.checkout_id]
    plan = standin.plans[subscription["plan_id"]]
    assert (plan["period"], plan["interval"]) == ("monthly", 1)
    assert (plan["item"]["amount"], plan["item"]["currency"]) == (50000, "INR")
    assert subscription["total_count"] == razorpay.TOTAL_MONTHS
    assert subscription["notes"] == {"donation": donation.token} == plan["notes"]
    assert [path for path, _key in standin.calls] == ["/v1/plans", "/v1/subscriptions"]
    page = client.get(reverse("payments:donation", args=["alices", donation.token]))
    html = page.content.decode()
    assert f'action="{standin.base}/v1/checkout/embedded"' in html
    assert f'value="{RAZORPAY_KEY_ID}"' in html
    assert f'name="subscription_id" value="{donation.checkout_id}"' in html
    assert 'name="order_id"' not in html

    # The donor authorises the first payment: activated, then the first month charged.
    standin.authorise_subscription(donation.checkout_id)
    assert post_held(client, standin) == [200, 200]
    donation.refresh_from_db()
    assert (donation.state, donation.subscription_id) == (
        DonationState.ACTIVE,
        donation.checkout_id,
    )
    first = Payment.objects.get()
    assert (first.amount, first.currency, first.provider) == (50000, "INR", "razorpay")
    # The next month, and the same month's event delivered twice: one payment each month.
    standin.charge_subscription(donation.checkout_id)
    repeat = standin.held[0]
    post_held(client, standin)
    standin.held.append(repeat)
    assert post_held(client, standin) == [200]
    assert Payment.objects.count() == 2
    assert len(smtp_server.bodies()) == 2  # a receipt per month
    donation.refresh_from_db()
    assert donation.state == DonationState.ACTIVE
    # Cancelled on Razorpay's side: the gift ends.
    standin.cancel_subscription(donation.checkout_id)
    post_held(client, standin)
    donation.refresh_from_db()
    assert donation.state == DonationState.CANCELLED and donation.ended_at is not None


def test_a_forged_or_unsigned_subscription_event_is_refused(
    client: Client, monthly_rupees: Appeal, standin: Standin
) -> None:
    donation = give_monthly(client, monthly_rupees)
    subscription = {"id": donation.checkout_id, "entity": "subscription",
                    "notes": {"donation": donation.token}}  # fmt: skip
    payment = {"id": "pay_forged", "amount": 50000, "currency": "INR"}
    event = razorpay_event("subscription.charged", payment, subscription)
    body, headers = signed_razorpay(event, "Eforged", secret="not the secret")
    url = reverse("payments:webhook", args=["razorpay", "alices"])
    forged = client.post(url, body, content_type="application/json", headers=headers)
    assert forged.status_code == 400
    good_body, good_headers = signed_razorpay(event, "Etamper")
    tampered = json.loads(good_body)
    tampered["payload"]["payment"]["entity"]["amount"] = 1
    answer = client.post(
        url, json.dumps(tampered).encode(), content_type="application/json", headers=good_headers
    )
    assert answer.status_code == 400
    testing.run_periodic("apply_payment_events")
    assert not Payment.objects.exists()


def test_subscription_events_say_what_they_do() -> None:
    subscription: dict[str, Any] = {"id": "sub_1", "notes": {"donation": "tok"}}
    payment = {"id": "pay_1", "amount": 50000, "currency": "inr"}

    def effect(kind: str, with_payment: bool = False) -> Any:
        event = razorpay_event(kind, payment if with_payment else None, subscription)
        return razorpay.RAZORPAY.effect(Event("E1", kind, event))

    charged = effect("subscription.charged", with_payment=True)
    assert (charged.what, charged.donation, charged.subscription) == ("paid", "tok", "sub_1")
    assert (charged.reference, charged.amount, charged.currency) == ("pay_1", 50000, "INR")
    assert effect("subscription.charged").what == "nothing"  # no payment in it
    assert effect("subscription.activated").what == "started"
    assert effect("subscription.cancelled").what == "cancelled"
    assert effect("subscription.halted").what == "nothing"
