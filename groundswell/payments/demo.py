"""Fictional donations and a pledge for the demo (hub/demo.py calls this).

No provider is connected in the demo (it has no Stripe or Razorpay account), so the gifts
are written as the webhooks would have left them: paid, with their payments. The donate
form itself says the payment page could not be opened until an owner connects a provider.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.utils import timezone

from groundswell.lib.emails import normalise_email
from groundswell.supporters.services import find_or_create_supporter

from .models import Donation, DonationState, Payment, PledgeKind
from .pledges import PledgeRequest, take_pledge
from .services import DonationRequest, save_appeal, take_donation

DONORS = [
    ("Ada", "Brook", 1000), ("Bea", "Castell", 2500), ("Cyd", "Dunmore", 500),
    ("Dov", "Eskew", 5000), ("Eli", "Fenwick", 1000), ("Fay", "Garrow", 1500),
]  # fmt: skip


def seed_donations(owner: Any, campaign: Any) -> None:
    appeal = save_appeal(
        owner,
        campaign,
        {
            "provider": "stripe",
            "currency": "GBP",
            "suggested": [500, 1000, 2500],
            "monthly": True,
            "gift_aid": True,
            "open": True,
        },
    )
    rng = random.Random(11)
    now = timezone.now()
    for n, (first, last, amount) in enumerate(DONORS):
        email = f"{first}.{last}.donor@example.org".lower()
        gift = take_donation(
            appeal,
            DonationRequest(
                email=email,
                email_key=normalise_email(email),
                given_name=first,
                family_name=last,
                amount=amount,
                frequency="monthly" if n == 0 else "once",
                referrer_data={"source": rng.choice(["whatsapp", "email", "web"])},
                gift_aid=n % 2 == 0,
                house=str(10 + n) if n % 2 == 0 else "",
                postcode="AB1 2CD" if n % 2 == 0 else "",
            ),
        )
        supporter = find_or_create_supporter(
            owner.organisation, email=email, email_key=gift.email_key, given_name=first
        )
        paid_at = now - timedelta(days=3 * n + 1)
        Donation.objects.filter(pk=gift.pk).update(
            supporter=supporter,
            state=DonationState.ACTIVE if n == 0 else DonationState.PAID,
            paid_at=paid_at,
            checkout_id=f"cs_demo_{n}",
        )
        Payment.objects.create(
            donation=gift,
            provider="stripe",
            reference=f"pi_demo_{n}",
            charge=f"pi_demo_{n}",
            amount=amount,
            currency="GBP",
            paid_at=paid_at,
            receipt_sent=True,
        )
    take_pledge(
        appeal,
        PledgeRequest(
            kind=PledgeKind.MONEY,
            amount=2000,
            hours=0,
            what="",
            remind_on=timezone.localdate() + timedelta(days=14),
            email="gus.holloway.pledge@example.org",
            email_key="gus.holloway.pledge@example.org",
            given_name="Gus",
        ),
    )
    take_pledge(
        appeal,
        PledgeRequest(
            kind=PledgeKind.TIME,
            amount=0,
            hours=6,
            what="Deliver draught-proofing kits on Saturday (fictional)",
            remind_on=timezone.localdate() + timedelta(days=5),
            email="ida.ingram.pledge@example.org",
            email_key="ida.ingram.pledge@example.org",
            given_name="Ida",
        ),
    )
