"""Pledges: promised now, reminded on the day, kept by paying or by saying so."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from groundswell import testing
from groundswell.payments.models import Appeal, Donation, Pledge, PledgeState
from groundswell.supporters.erasure import erase_supporter
from groundswell.supporters.services import find_or_create_supporter

from .standin import Standin, signed_stripe, stripe_event

pytestmark = pytest.mark.django_db


def pledge(client: Client, appeal: Appeal, **fields: str) -> Any:
    data = {
        "kind": "money",
        "amount": "20",
        **testing.date_parts("remind_on", timezone.now().date() + timedelta(days=7)),
        "given_name": "Ravi",
        "email": "ravi@example.net",
        **fields,
    }
    return client.post(reverse("payments:pledge", args=["alices", appeal.campaign.slug]), data)


@pytest.mark.usefixtures("stripe_account")
def test_a_money_pledge_is_reminded_on_its_day_and_paid_through_its_link(
    client: Client,
    appeal: Appeal,
    standin: Standin,
    smtp_server: testing.LocalSMTPServer,
    clock: testing.FakeClock,
) -> None:
    response = pledge(client, appeal)
    promise = Pledge.objects.get()
    assert response["Location"] == f"/o/alices/pledges/{promise.token}/"
    assert (promise.amount, promise.currency, promise.state) == (2000, "GBP", "promised")
    page = client.get(response["Location"]).content.decode()
    assert "You pledged £20" in page
    testing.run_periodic("remind_pledges")
    assert smtp_server.bodies() == []  # not its day yet
    clock.advance(timedelta(days=7))
    testing.run_periodic("remind_pledges", "remind_pledges")
    assert len(smtp_server.bodies()) == 1
    link = smtp_server.links("/pledges/")[0]
    assert promise.token in link
    # Opening the link changes nothing; the button turns the pledge into a donation.
    assert client.get(response["Location"]).status_code == 200
    paid = client.post(response["Location"], {"action": "pay"})
    donation = Donation.objects.get()
    assert paid["Location"] == f"/o/alices/donations/{donation.token}/"
    assert donation.amount == 2000
    assert client.post(response["Location"], {"action": "pay"})["Location"] == paid["Location"]
    testing.run_periodic("open_checkouts")
    donation.refresh_from_db()
    session = {
        "id": donation.checkout_id,
        "client_reference_id": donation.token,
        "mode": "payment",
        "payment_status": "paid",
        "payment_intent": "pi_p",
        "amount_total": 2000,
        "currency": "gbp",
    }
    body, headers = signed_stripe(stripe_event("checkout.session.completed", session))
    client.post(
        reverse("payments:webhook", args=["stripe", "alices"]),
        body,
        content_type="application/json",
        headers=headers,
    )
    testing.run_periodic("apply_payment_events")
    promise.refresh_from_db()
    assert promise.state == PledgeState.FULFILLED


def test_a_time_pledge_is_kept_or_withdrawn_once(client: Client, appeal: Appeal) -> None:
    pledge(client, appeal, kind="time", amount="", hours="4", what="Drive the van on Saturday")
    promise = Pledge.objects.get()
    assert (promise.hours, promise.what, promise.amount) == (4, "Drive the van on Saturday", 0)
    url = reverse("payments:pledge_page", args=["alices", promise.token])
    assert "4 hours: Drive the van on Saturday" in client.get(url).content.decode()
    assert client.post(url, {"action": "pay"}).status_code == 400  # time is not paid
    client.post(url, {"action": "done"})
    promise.refresh_from_db()
    assert promise.state == PledgeState.FULFILLED
    assert client.post(url, {"action": "withdraw"}).status_code == 400


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"kind": ""}, "kind", "Choose money or time"),
        ({"amount": "lots"}, "amount", "Type an amount between"),
        ({"kind": "time", "hours": "", "what": "x"}, "hours", "how many hours"),
        ({"kind": "time", "hours": "4", "what": ""}, "what", "Say what you can do"),
        ({"kind": "time", "hours": "-1", "what": "x"}, "hours", "at least one hour"),
        (
            {"remind_on_day": "1", "remind_on_month": "1", "remind_on_year": "2001"},
            "remind_on",
            "today or a later date",
        ),
        (
            {"remind_on_day": "31", "remind_on_month": "31", "remind_on_year": "2027"},
            "remind_on",
            "must be a real date",
        ),
        (
            {"remind_on_day": "", "remind_on_month": "", "remind_on_year": ""},
            "remind_on",
            "Enter the date we should remind you",
        ),
    ],
)
def test_each_bad_pledge_answer_gets_its_message(
    client: Client, appeal: Appeal, fields: dict[str, str], field: str, message: str
) -> None:
    response = pledge(client, appeal, **fields)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert f'href="#id_{field}"' in html
    assert Pledge.objects.count() == 0


def test_erasing_a_person_deletes_their_pledges(client: Client, appeal: Appeal, owner: Any) -> None:
    pledge(client, appeal)
    supporter = find_or_create_supporter(
        owner.organisation, email="ravi@example.net", email_key="ravi@example.net"
    )
    erase_supporter(owner, supporter)
    assert Pledge.objects.count() == 0
