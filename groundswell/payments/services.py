"""The verbs of donations: the form's one INSERT, and the staff's settings.

The worker's halves live beside this file: `checkout.py` opens the provider's checkout for
new donations, `events.py` stores verified webhooks (the one part in a request) and applies
them, `receipts.py` writes the receipt emails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction

from groundswell.audit.services import record
from groundswell.lib import sealed

from . import giftaid
from .models import Appeal, Donation, PaymentAccount

SEAL_PURPOSE = "payments.account"


@dataclass
class DonationRequest:
    email: str
    email_key: str
    given_name: str
    family_name: str
    amount: int
    frequency: str
    language: str = ""
    referral_token: str = ""
    referrer_data: dict[str, str] = field(default_factory=dict)
    gift_aid: bool = False
    title: str = ""
    house: str = ""
    postcode: str = ""


def take_donation(appeal: Appeal, wanted: DonationRequest) -> Donation:
    """Store a donation as the form sent it: one INSERT, nothing else in the request.

    The worker finds or creates the supporter and opens the provider's checkout
    (checkout.open_waiting); the donor's page waits for it.
    """
    return Donation.objects.create(
        organisation_id=appeal.organisation_id,
        appeal=appeal,
        email=wanted.email,
        email_key=wanted.email_key,
        given_name=wanted.given_name,
        family_name=wanted.family_name,
        language=wanted.language[:12],
        provider=appeal.provider,
        amount=wanted.amount,
        currency=appeal.currency,
        frequency=wanted.frequency,
        referral_token=wanted.referral_token[:64],
        referrer_data=wanted.referrer_data,
        gift_aid=wanted.gift_aid,
        title=wanted.title,
        house=wanted.house,
        postcode=wanted.postcode,
    )


def connect_provider(
    membership: Any, *, provider: str, key_id: str, api_key: str, webhook_secret: str
) -> PaymentAccount:
    """Store (or replace) the organisation's keys for a provider, sealed (lib/sealed.py)."""
    organisation = membership.organisation
    values = {
        "key_id": key_id,
        "api_key_sealed": sealed.seal(api_key, purpose=SEAL_PURPOSE),
        "webhook_secret_sealed": sealed.seal(webhook_secret, purpose=SEAL_PURPOSE),
    }
    with transaction.atomic():
        account, _created = PaymentAccount.objects.update_or_create(
            organisation=organisation, provider=provider, defaults=values
        )
        # The audit log names the provider, never a key.
        record(
            organisation=organisation,
            actor=membership.user,
            action="payments.connect",
            target=account,
            summary=f"Connected {account.get_provider_display()} for donations",
        )
    return account


def save_appeal(membership: Any, campaign: Any, values: dict[str, Any]) -> Appeal:
    organisation = membership.organisation
    with transaction.atomic():
        try:
            appeal, created = Appeal.objects.update_or_create(
                campaign=campaign, defaults={"organisation": organisation, **values}
            )
            if appeal.gift_aid:
                wording = giftaid.wording_for(appeal)
                if wording.pk != appeal.gift_aid_wording_id:
                    appeal.gift_aid_wording = wording
                    appeal.save(update_fields=["gift_aid_wording"])
        except IntegrityError:  # two owners saving the first appeal at once
            appeal = Appeal.objects.get(campaign=campaign)
            for name, value in values.items():
                setattr(appeal, name, value)
            appeal.save(update_fields=list(values))
            created = False
        record(
            organisation=organisation,
            actor=membership.user,
            action="payments.appeal_create" if created else "payments.appeal_change",
            target=appeal,
            summary=f"Donations for “{campaign.title}”",
            changes={"currency": appeal.currency, "open": appeal.open},
        )
    return appeal


def secrets_of(account: PaymentAccount) -> tuple[str, str]:
    """The API key and the webhook secret, unsealed (sealed.Unreadable if SECRET_KEY changed)."""
    return (
        sealed.unseal(account.api_key_sealed, purpose=SEAL_PURPOSE),
        sealed.unseal(account.webhook_secret_sealed, purpose=SEAL_PURPOSE),
    )
