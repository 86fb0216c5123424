"""Export, erasure and retention of what giving keeps about people."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from groundswell import testing
from groundswell.payments.models import Appeal, Donation, DonationState, Payment, ProviderEvent
from groundswell.retention.services import run_organisation
from groundswell.supporters.erasure import erase_supporter
from groundswell.supporters.subject_access import subject_access_data

from .standin import Standin, signed_stripe, stripe_event

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_account")]


def give(client: Client, appeal: Appeal, email: str = "nia.okafor@example.net") -> None:
    client.post(
        reverse("payments:donate", args=["alices", appeal.campaign.slug]),
        {"amount": "1000", "frequency": "once", "given_name": "Nia", "email": email},
    )


def pay(client: Client, donation: Donation, intent: str) -> None:
    session = {
        "id": donation.checkout_id,
        "client_reference_id": donation.token,
        "mode": "payment",
        "payment_status": "paid",
        "payment_intent": intent,
        "amount_total": donation.amount,
        "currency": "gbp",
        "customer_details": {"email": donation.email, "name": "Nia Okafor"},
    }
    body, headers = signed_stripe(stripe_event("checkout.session.completed", session))
    client.post(
        reverse("payments:webhook", args=["stripe", "alices"]),
        body,
        content_type="application/json",
        headers=headers,
    )
    testing.run_periodic("apply_payment_events")


def test_erasure_keeps_a_paid_gift_without_the_person_and_deletes_the_unpaid(
    client: Client, appeal: Appeal, standin: Standin, owner: Any
) -> None:
    give(client, appeal)
    testing.run_periodic("open_checkouts")
    paid = Donation.objects.get()
    pay(client, paid, "pi_1")
    give(client, appeal)
    testing.run_periodic("open_checkouts")
    failed = Donation.objects.exclude(pk=paid.pk).get()
    Donation.objects.filter(pk=failed.pk).update(state=DonationState.FAILED)
    give(client, appeal)  # still waiting for the worker: found by the address
    waiting = Donation.objects.get(state=DonationState.NEW)

    supporter = paid.supporter
    assert supporter is not None
    data = subject_access_data(supporter)
    assert [gift["state"] for gift in data["donations"]] == ["paid", "failed", "new"]
    assert data["donations"][0]["payments"][0]["amount"] == 1000

    assert erase_supporter(owner, supporter)
    assert not Donation.objects.filter(pk=failed.pk).exists()
    paid.refresh_from_db()
    assert (paid.email, paid.given_name, paid.referrer_data) == ("", "", {})
    assert (paid.amount, paid.state, paid.anonymised_at is not None) == (1000, "paid", True)
    assert Payment.objects.get().amount == 1000  # the accounts keep the money
    waiting.refresh_from_db()
    assert (waiting.email, waiting.email_key, waiting.given_name) == ("", "", "")
    # A paid gift's receipt is never sent to an erased donor.
    assert ProviderEvent.objects.get().payload == {}  # applied: the provider's copy cleared


def test_a_gift_aid_gift_keeps_the_donors_name_for_hmrc(
    client: Client, appeal: Appeal, standin: Standin, owner: Any
) -> None:
    give(client, appeal)
    testing.run_periodic("open_checkouts")
    gift = Donation.objects.get()
    pay(client, gift, "pi_2")
    Donation.objects.filter(pk=gift.pk).update(gift_aid=True, family_name="Okafor")
    assert gift.supporter is not None
    erase_supporter(owner, gift.supporter)
    gift.refresh_from_db()
    assert (gift.given_name, gift.family_name, gift.email) == ("Nia", "Okafor", "")


def test_retention_deletes_unpaid_gifts_and_anonymises_old_records(
    client: Client, appeal: Appeal, standin: Standin, owner: Any
) -> None:
    give(client, appeal, email="old.unpaid@example.net")
    give(client, appeal, email="recent.unpaid@example.net")
    give(client, appeal, email="old.paid@example.net")
    testing.run_periodic("open_checkouts")
    old_unpaid, recent, old_paid = Donation.objects.order_by("pk")
    pay(client, old_paid, "pi_3")
    long_ago = timezone.now() - timedelta(days=8 * 365)
    Donation.objects.filter(pk=old_unpaid.pk).update(created_at=timezone.now() - timedelta(days=31))
    Donation.objects.filter(pk=old_paid.pk).update(created_at=long_ago)
    Payment.objects.update(paid_at=long_ago)
    ProviderEvent.objects.update(received_at=timezone.now() - timedelta(days=31))
    outcomes = {each.kind.name: each.counts for each in run_organisation(owner.organisation)}
    assert outcomes["payments.unpaid"] == {"donations": 1}
    assert outcomes["payments.records"] == {"donations": 1}
    assert outcomes["payments.events"] == {"webhook events": 1}
    assert list(Donation.objects.order_by("pk")) == [recent, old_paid]
    old_paid.refresh_from_db()
    assert (old_paid.email, old_paid.given_name, old_paid.amount) == ("", "", 1000)
    assert Payment.objects.count() == 1


def test_the_privacy_notice_says_how_long_donation_records_are_kept(
    client: Client, org: Any
) -> None:
    notice = client.get(f"/o/{org.slug}/privacy/").content.decode()
    assert "Gift Aid records" in notice
    assert "donations never paid" in notice.lower()
