"""The share step after giving: each button counted per channel for the appeal's campaign,
then on to the network, as after signing."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.analytics.tests.helpers import BROWSER, settle, total
from groundswell.payments.models import Appeal, Donation

from .standin import Standin
from .test_gift_aid import give, paid

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_account")]


def thanked(client: Client, appeal: Appeal) -> tuple[Donation, str]:
    give(client, appeal, gift_aid="")
    testing.run_periodic("open_checkouts")
    donation = Donation.objects.get()
    paid(client, donation, "pi_1")
    testing.run_periodic("apply_payment_events")
    page = client.get(reverse("payments:thanks", args=["alices", donation.token]))
    assert page.status_code == 200
    return donation, page.content.decode()


def test_a_donors_share_buttons_are_counted_per_channel_for_the_campaign(
    client: Client, appeal: Appeal, standin: Standin
) -> None:
    donation, html = thanked(client, appeal)
    token = donation.share_token
    button = reverse("analytics:share_gift", args=["alices", "otters", "whatsapp", token])
    assert f'href="{button}"' in html
    response = client.get(button, **BROWSER)
    assert response.status_code == 302
    assert response["Location"].startswith("https://wa.me/?text=")
    assert response["Location"].endswith(quote(f"?ref={token}&ch=whatsapp", safe=""))
    assert response["Referrer-Policy"] == "no-referrer"
    assert not response.cookies
    email = client.get(button.replace("/whatsapp/", "/email/"), **BROWSER)
    assert email["Location"].startswith("mailto:?subject=")
    # Asked not to be tracked: sent on, not counted.
    quiet: dict[str, Any] = {**BROWSER, "HTTP_DNT": "1"}
    assert client.get(button.replace("/whatsapp/", "/telegram/"), **quiet).status_code == 302
    settle()
    assert total("share_click") == 2
    assert total("share_click", dimension="channel", value="whatsapp") == 1
    assert total("share_click", dimension="channel", value="email") == 1
    assert total("share_click", dimension="channel", value="telegram") == 0
    assert total("share_click", scope="campaign", scope_id=appeal.campaign_id) == 2


def test_a_made_up_token_channel_or_appeal_goes_nowhere(
    client: Client, appeal: Appeal, standin: Standin
) -> None:
    donation, _html = thanked(client, appeal)
    for campaign, channel, token in (
        ("otters", "whatsapp", "not-a-token"),
        ("otters", "evil", donation.share_token),
        ("nowhere", "whatsapp", donation.share_token),
        ("otters", "whatsapp", "x" * 40),
    ):
        url = reverse("analytics:share_gift", args=["alices", campaign, channel, token])
        assert client.get(url, **BROWSER).status_code == 404
    settle()
    assert total("share_click") == 0
