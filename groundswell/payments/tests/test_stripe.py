"""Giving through Stripe Checkout, against a Stripe stand-in on 127.0.0.1."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.payments.models import (
    Appeal,
    Donation,
    DonationState,
    EventState,
    Payment,
    ProviderEvent,
)

from .standin import Standin, signed_stripe, stripe_event

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_account")]


def give(client: Client, appeal: Appeal, **fields: str) -> Any:
    data = {
        "amount": "1000",
        "frequency": "once",
        "given_name": "Nia",
        "family_name": "Okafor",
        "email": "nia.okafor@example.net",
        **fields,
    }
    url = reverse("payments:donate", args=[appeal.organisation.slug, appeal.campaign.slug])
    return client.post(url, data)


def webhook(client: Client, body: bytes, headers: dict[str, str], org: str = "alices") -> Any:
    return client.post(
        reverse("payments:webhook", args=["stripe", org]),
        body,
        content_type="application/json",
        headers=headers,
    )


def opened(client: Client, appeal: Appeal) -> Donation:
    response = give(client, appeal)
    assert response.status_code == 302
    testing.run_periodic("open_checkouts")
    return Donation.objects.get()


def test_the_form_stores_the_donation_and_the_page_waits_for_the_checkout(
    client: Client, appeal: Appeal, standin: Standin
) -> None:
    response = give(client, appeal)
    donation = Donation.objects.get()
    assert response["Location"] == f"/o/{appeal.organisation.slug}/donations/{donation.token}/"
    assert (donation.state, donation.amount, donation.currency) == ("new", 1000, "GBP")
    assert donation.supporter is None  # the worker finds the person, not the request
    assert standin.calls == []  # no network call in the request
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b'http-equiv="refresh"' in page.content
    assert b"Taking you to the payment page" in page.content
    state = client.get(f"{response['Location']}state.json").json()
    assert state == {"state": "new", "ready": False}


def test_the_worker_opens_a_session_and_the_waiting_page_goes_to_it(
    client: Client, appeal: Appeal, standin: Standin
) -> None:
    donation = opened(client, appeal)
    assert donation.state == DonationState.OPEN
    assert donation.supporter is not None
    assert donation.supporter.email == "nia.okafor@example.net"
    session = standin.sessions[donation.checkout_id]
    assert session["mode"] == "payment"
    assert session["client_reference_id"] == donation.token
    assert session["line_items[0][price_data][unit_amount]"] == "1000"
    assert session["line_items[0][price_data][currency]"] == "gbp"
    assert session["success_url"].endswith(f"/donations/{donation.token}/thanks/")
    page = client.get(reverse("payments:donation", args=["alices", donation.token]))
    assert page.status_code == 302
    assert page["Location"] == donation.checkout_url
    assert donation.checkout_url.startswith(standin.base)


def test_a_provider_that_does_not_answer_is_asked_again_for_the_same_session(
    client: Client, appeal: Appeal, standin: Standin, clock: testing.FakeClock
) -> None:
    standin.fail_next = 1
    donation = opened(client, appeal)
    assert donation.state == DonationState.OPENING
    assert "503" in donation.problem
    testing.run_periodic("open_checkouts")  # the claim still holds: not asked again yet
    assert len(standin.calls) == 1
    clock.advance(__import__("datetime").timedelta(minutes=2))
    testing.run_periodic("open_checkouts")
    donation.refresh_from_db()
    assert donation.state == DonationState.OPEN
    assert len(standin.sessions) == 1


def test_keys_the_provider_refuses_leave_the_donation_unavailable_with_the_reason(
    client: Client, appeal: Appeal, standin: Standin, owner: Any
) -> None:
    from groundswell.payments import services

    services.connect_provider(
        owner, provider="stripe", key_id="", api_key="sk_test_wrong", webhook_secret="whsec_x"
    )
    donation = opened(client, appeal)
    assert donation.state == DonationState.UNAVAILABLE
    assert "Invalid API Key" in donation.problem
    page = client.get(reverse("payments:donation", args=["alices", donation.token]))
    assert b"could not be opened" in page.content
    assert b"Invalid API Key" not in page.content  # the reason is for staff


def paid_event(donation: Donation, intent: str = "pi_1") -> dict[str, Any]:
    return stripe_event(
        "checkout.session.completed",
        {
            "id": donation.checkout_id,
            "client_reference_id": donation.token,
            "mode": "payment",
            "payment_status": "paid",
            "payment_intent": intent,
            "amount_total": donation.amount,
            "currency": "gbp",
        },
    )


def test_a_paid_session_marks_the_donation_paid_once_and_sends_one_receipt(
    client: Client, appeal: Appeal, standin: Standin, smtp_server: testing.LocalSMTPServer
) -> None:
    donation = opened(client, appeal)
    body, headers = signed_stripe(paid_event(donation))
    first = webhook(client, body, headers)
    assert (first.status_code, first.content) == (200, b"Received.")
    again = webhook(client, body, headers)  # Stripe delivers again when unsure
    assert (again.status_code, again.content) == (200, b"Already received.")
    testing.run_periodic("apply_payment_events", "apply_payment_events")
    donation.refresh_from_db()
    assert donation.state == DonationState.PAID
    payment = Payment.objects.get()
    assert (payment.amount, payment.currency, payment.reference) == (1000, "GBP", "pi_1")
    assert ProviderEvent.objects.get().state == EventState.APPLIED
    # The same charge in a second event (a different id) is not counted twice.
    body2, headers2 = signed_stripe(paid_event(donation))
    assert webhook(client, body2, headers2).status_code == 200
    testing.run_periodic("apply_payment_events")
    assert Payment.objects.count() == 1
    bodies = smtp_server.bodies()
    assert len(bodies) == 1
    assert "£10" in bodies[0]
    assert "Otters back in the Alder" in bodies[0]
    thanks = client.get(reverse("payments:thanks", args=["alices", donation.token]))
    assert b"has arrived" in thanks.content
    assert donation.share_token.encode() in thanks.content  # the share step, their own link


@pytest.mark.parametrize(
    ("why", "tamper"),
    [
        ("another secret", lambda e: signed_stripe(e, secret="whsec_someone_else")),
        ("too old", lambda e: signed_stripe(e, at=int(time.time()) - 301)),
        ("no header", lambda e: (signed_stripe(e)[0], {})),
        (
            "body changed",
            lambda e: (signed_stripe(e)[0].replace(b'"paid"', b'"paid" '), signed_stripe(e)[1]),
        ),
        ("only v0", lambda e: (signed_stripe(e)[0], {"Stripe-Signature": "t=1,v0=abc"})),
    ],
)
def test_forged_tampered_and_replayed_webhooks_are_refused_and_change_nothing(
    client: Client, appeal: Appeal, standin: Standin, why: str, tamper: Any
) -> None:
    donation = opened(client, appeal)
    body, headers = tamper(paid_event(donation))
    response = webhook(client, body, headers)
    assert response.status_code == 400, why
    assert ProviderEvent.objects.count() == 0
    testing.run_periodic("apply_payment_events")
    donation.refresh_from_db()
    assert donation.state == DonationState.OPEN


def test_a_webhook_for_an_organisation_without_keys_is_not_found(
    client: Client, appeal: Appeal, standin: Standin, charlie: Any
) -> None:
    donation = opened(client, appeal)
    body, headers = signed_stripe(paid_event(donation))
    assert webhook(client, body, headers, org="charlies").status_code == 404
    assert webhook(client, body, headers, org="nobody").status_code == 404
    assert ProviderEvent.objects.count() == 0


def test_a_monthly_gift_runs_from_its_invoices_in_any_order_until_cancelled(
    client: Client, appeal: Appeal, standin: Standin, smtp_server: testing.LocalSMTPServer
) -> None:
    give(client, appeal, frequency="monthly", amount="2500")
    testing.run_periodic("open_checkouts")
    donation = Donation.objects.get()
    assert standin.sessions[donation.checkout_id]["mode"] == "subscription"
    invoice = {
        "id": "in_1",
        "amount_paid": 2500,
        "currency": "gbp",
        "payment_intent": "pi_m1",
        "parent": {"subscription_details": {"subscription": "sub_1", "metadata": {}}},
    }
    # The first invoice arrives before the session's event: it waits for its donation.
    webhook(client, *signed_stripe(stripe_event("invoice.paid", invoice)))
    testing.run_periodic("apply_payment_events")
    assert ProviderEvent.objects.get().state == EventState.RECEIVED
    completed = {
        "id": donation.checkout_id,
        "client_reference_id": donation.token,
        "mode": "subscription",
        "subscription": "sub_1",
    }
    webhook(client, *signed_stripe(stripe_event("checkout.session.completed", completed)))
    testing.run_periodic("apply_payment_events")
    donation.refresh_from_db()
    assert (donation.state, donation.subscription_id) == (DonationState.ACTIVE, "sub_1")
    ProviderEvent.objects.update(next_try_at=None)  # its wait is over
    testing.run_periodic("apply_payment_events")
    assert Payment.objects.get().reference == "in_1"
    # Next month.
    webhook(client, *signed_stripe(stripe_event("invoice.paid", {**invoice, "id": "in_2"})))
    testing.run_periodic("apply_payment_events")
    assert Payment.objects.count() == 2
    assert len(smtp_server.bodies()) == 2
    deleted = {"id": "sub_1", "metadata": {"donation": donation.token}}
    webhook(client, *signed_stripe(stripe_event("customer.subscription.deleted", deleted)))
    testing.run_periodic("apply_payment_events")
    donation.refresh_from_db()
    assert donation.state == DonationState.CANCELLED
    assert donation.ended_at is not None


def test_a_refund_and_a_failed_payment_are_reflected(
    client: Client, appeal: Appeal, standin: Standin
) -> None:
    donation = opened(client, appeal)
    webhook(client, *signed_stripe(paid_event(donation, intent="pi_9")))
    charge = {"id": "ch_9", "payment_intent": "pi_9", "amount": 1000, "amount_refunded": 400}
    webhook(client, *signed_stripe(stripe_event("charge.refunded", charge)))
    testing.run_periodic("apply_payment_events")
    donation.refresh_from_db()
    assert donation.state == DonationState.PAID  # partly refunded: still a gift
    assert Payment.objects.get().refunded == 400
    webhook(
        client,
        *signed_stripe(stripe_event("charge.refunded", {**charge, "amount_refunded": 1000})),
    )
    testing.run_periodic("apply_payment_events")
    donation.refresh_from_db()
    assert donation.state == DonationState.REFUNDED

    give(client, appeal, email="second.donor@example.net")
    testing.run_periodic("open_checkouts")
    other = Donation.objects.exclude(pk=donation.pk).get()
    failed = {"id": "pi_x", "metadata": {"donation": other.token}}
    webhook(client, *signed_stripe(stripe_event("payment_intent.payment_failed", failed)))
    testing.run_periodic("apply_payment_events")
    other.refresh_from_db()
    assert other.state == DonationState.FAILED
    page = client.get(reverse("payments:donation", args=["alices", other.token]))
    assert b"did not go through" in page.content


def test_a_gift_through_a_donors_share_link_credits_them(
    client: Client, appeal: Appeal, standin: Standin
) -> None:
    first = opened(client, appeal)
    give(client, appeal, email="friend@example.net", ref=first.share_token, ch="whatsapp")
    testing.run_periodic("open_checkouts")
    second = Donation.objects.exclude(pk=first.pk).get()
    assert second.referred_by_id == first.supporter_id
    assert second.referrer_data["source"] == "whatsapp"
    # Your own link credits nobody.
    give(client, appeal, email="nia.okafor@example.net", ref=first.share_token)
    testing.run_periodic("open_checkouts")
    third = Donation.objects.order_by("-pk").first()
    assert third is not None and third.referred_by_id is None


def test_the_funnels_count_gifts_begun_received_and_referred(
    client: Client, appeal: Appeal, standin: Standin, owner: Any
) -> None:
    from groundswell.analytics import outcomes, rollup
    from groundswell.analytics.tests.helpers import settle

    first = opened(client, appeal)
    webhook(client, *signed_stripe(paid_event(first, intent="pi_a")))
    give(client, appeal, email="friend@example.net", ref=first.share_token, ch="whatsapp")
    testing.run_periodic("open_checkouts")
    second = Donation.objects.exclude(pk=first.pk).get()
    webhook(client, *signed_stripe(paid_event(second, intent="pi_b")))
    give(client, appeal, email="never.paid@example.net")
    testing.run_periodic("apply_payment_events")
    settle()
    today = rollup.today()
    org = owner.organisation
    assert outcomes.totals(org, ["donate", "donation", "referred_donation"], today, today) == {
        "donate": 3,
        "donation": 2,
        "referred_donation": 1,
    }
    assert outcomes.counts(org, "donation", today, today, by=["channel"]) == {
        ("site",): 1,
        ("whatsapp",): 1,
    }
