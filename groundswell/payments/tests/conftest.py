from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_django.fixtures import Settings

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.payments import services
from groundswell.payments.models import Appeal

from .standin import (
    RAZORPAY_KEY_ID,
    RAZORPAY_SECRET,
    RAZORPAY_WHSEC,
    STRIPE_KEY,
    STRIPE_WHSEC,
    Standin,
)


@pytest.fixture
def standin(settings: Settings) -> Iterator[Standin]:
    """Stripe and Razorpay on 127.0.0.1; the settings point the providers' APIs at it."""
    server = Standin()
    settings.PAYMENTS_STRIPE_API = server.base
    settings.PAYMENTS_RAZORPAY_API = server.base
    settings.PAYMENTS_RAZORPAY_CHECKOUT = f"{server.base}/v1/checkout/embedded"
    settings.PAYMENTS_CHECKOUT_ORIGINS = [server.base]
    yield server
    server.stop()


@pytest.fixture
def stripe_account(owner: Membership) -> None:
    services.connect_provider(
        owner, provider="stripe", key_id="", api_key=STRIPE_KEY, webhook_secret=STRIPE_WHSEC
    )


@pytest.fixture
def razorpay_account(owner: Membership) -> None:
    services.connect_provider(
        owner,
        provider="razorpay",
        key_id=RAZORPAY_KEY_ID,
        api_key=RAZORPAY_SECRET,
        webhook_secret=RAZORPAY_WHSEC,
    )


@pytest.fixture
def appeal(owner: Membership) -> Appeal:
    campaign = testing.make_campaign(owner, title="Otters back in the Alder", slug="otters")
    return services.save_appeal(
        owner,
        campaign,
        {
            "provider": "stripe",
            "currency": "GBP",
            "suggested": [500, 1000, 2500],
            "monthly": True,
            "open": True,
        },
    )


@pytest.fixture
def rupee_appeal(owner: Membership) -> Appeal:
    campaign = testing.make_campaign(owner, title="Clean wells in Nashik", slug="wells")
    return services.save_appeal(
        owner,
        campaign,
        {
            "provider": "razorpay",
            "currency": "INR",
            "suggested": [50000, 100000],
            "monthly": False,
            "open": True,
        },
    )


@pytest.fixture
def gift_aid_appeal(appeal: Appeal, owner: Membership) -> Appeal:
    """The appeal in pounds, offering Gift Aid."""
    return services.save_appeal(
        owner,
        appeal.campaign,
        {"provider": "stripe", "currency": "GBP", "suggested": [1000], "gift_aid": True},
    )
