"""Donations taken elsewhere (cash, a cheque, another platform), recorded by an
organisation's integration through the OSDI record_donation_helper (api/donations.py).

Idempotent on the client's identifier: the same identifier again answers with the donation
already recorded and changes nothing. The donation is paid at once (the money arrived
elsewhere), with one payment, counted in the totals, the funnels and the claim like any.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from groundswell.supporters.services import find_or_create_supporter

from .models import RECORDED, Appeal, Donation, DonationState, Payment
from .services import DonationRequest, take_donation


@dataclass(frozen=True)
class Recorded:
    donation: Donation
    created: bool


def record_donation(
    appeal: Appeal, wanted: DonationRequest, *, external_id: str, paid_at: datetime | None
) -> Recorded:
    organisation = appeal.organisation
    existing = Donation.objects.filter(organisation=organisation, external_id=external_id)
    found = existing.first()
    if found is not None:
        return Recorded(found, created=False)
    moment = paid_at or timezone.now()
    try:
        with transaction.atomic():
            supporter = find_or_create_supporter(
                organisation,
                email=wanted.email,
                email_key=wanted.email_key,
                given_name=wanted.given_name,
                family_name=wanted.family_name,
            )
            gift = take_donation(appeal, wanted)
            Donation.objects.filter(pk=gift.pk).update(
                provider=RECORDED,
                external_id=external_id,
                supporter=supporter,
                state=DonationState.PAID,
                paid_at=moment,
            )
            Payment.objects.create(
                donation=gift,
                provider=RECORDED,
                reference=f"{organisation.pk}:{external_id}",
                amount=wanted.amount,
                currency=appeal.currency,
                paid_at=moment,
                receipt_sent=True,  # the organisation thanked them where it took the money
            )
    except IntegrityError:  # the same identifier from a retry at the same moment
        return Recorded(existing.get(), created=False)
    return Recorded(Donation.objects.get(pk=gift.pk), created=True)
