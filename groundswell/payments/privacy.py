"""The donations' part of a person's export and of their erasure (supporters calls these).

Erasure keeps what the law asks of a charity and nothing more. A gift that was paid is a
record of the accounts (and, with Gift Aid, of a tax claim HMRC may audit): its amount,
currency, dates and the provider's references stay for the statutory period (the
`payments.records` retention kind, 6 years at least), the donor's email, language and
where they came from go at once; their name stays only on a gift with a Gift Aid
declaration, because a claim must name the donor. A gift never paid is deleted, unless its
checkout may still be paid (new, opening, open): then it is stripped like a paid one, so
money that arrives later is still recorded.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone

from .models import Donation, DonationState, Payment, Pledge

UNPAID_FINISHED = (DonationState.FAILED, DonationState.EXPIRED, DonationState.UNAVAILABLE)


def _of(supporter: Any) -> Any:
    # Gifts the worker has not tied to the person yet are found by their address.
    return Donation.objects.filter(organisation_id=supporter.organisation_id).filter(
        Q(supporter=supporter) | Q(supporter__isnull=True, email_key=supporter.email_key)
    )


def donations_of(supporter: Any) -> list[dict[str, Any]]:
    """What a subject-access export says of the person's gifts (no other person's data)."""
    gifts = _of(supporter).select_related("appeal__campaign").order_by("created_at", "pk")
    return [_exported(gift) for gift in gifts]


def _exported(gift: Donation) -> dict[str, Any]:
    return {
        "id": gift.pk,
        "campaign": gift.appeal.campaign.title,
        "amount": gift.amount,
        "currency": gift.currency,
        "frequency": gift.frequency,
        "state": gift.state,
        "provider": gift.provider,
        "gift_aid": gift.gift_aid,
        "email": gift.email,
        "given_name": gift.given_name,
        "family_name": gift.family_name,
        "referred_by_a_supporter": gift.referred_by_id is not None,
        "created_at": gift.created_at.isoformat(),
        "payments": [
            {
                "amount": payment.amount,
                "currency": payment.currency,
                "paid_at": payment.paid_at.isoformat(),
                "refunded": payment.refunded,
            }
            for payment in Payment.objects.filter(donation=gift).order_by("paid_at")
        ],
    }


def pledges_of(supporter: Any) -> list[dict[str, Any]]:
    found = Pledge.objects.filter(
        organisation_id=supporter.organisation_id, email_key=supporter.email_key
    ).select_related("appeal__campaign")
    return [
        {
            "id": pledge.pk,
            "campaign": pledge.appeal.campaign.title,
            "kind": pledge.kind,
            "amount": pledge.amount,
            "currency": pledge.currency,
            "hours": pledge.hours,
            "what": pledge.what,
            "remind_on": pledge.remind_on.isoformat(),
            "state": pledge.state,
            "email": pledge.email,
            "given_name": pledge.given_name,
            "created_at": pledge.created_at.isoformat(),
        }
        for pledge in found.order_by("created_at", "pk")
    ]


def erase_donations(supporter: Any) -> dict[str, int]:
    """Delete the person's pledges and unpaid gifts; strip the others to what the law keeps.

    A pledge is a promise, not a record any law asks for: it goes whole (the donation a
    pledge became is kept like any other)."""
    pledges, _by_model = Pledge.objects.filter(
        organisation_id=supporter.organisation_id, email_key=supporter.email_key
    ).delete()
    gifts = _of(supporter)
    deleted, _by_model = gifts.filter(state__in=UNPAID_FINISHED, payments__isnull=True).delete()
    stripped = strip(gifts.filter(anonymised_at__isnull=True))
    return {
        "pledges deleted": pledges,
        "donations deleted": deleted,
        "donations kept without personal data": stripped,
    }


def strip(gifts: Any) -> int:
    """Clear what no law needs from these donations (the name stays where Gift Aid was
    declared: HMRC may ask who gave)."""
    now = timezone.now()
    common = {
        "email": "",
        "email_key": "",
        "language": "",
        "referral_token": "",
        "referrer_data": {},
        "anonymised_at": now,
    }
    kept = gifts.filter(gift_aid=True).update(**common)
    gone = gifts.filter(gift_aid=False).update(given_name="", family_name="", **common)
    return int(kept + gone)
