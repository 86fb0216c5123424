"""Webhooks: verified and stored in the request, applied to donations by the worker.

`receive` is the only part that runs in a web request: it reads the organisation's sealed
webhook secret, has the provider verify the raw body exactly as the provider documents it
(no network), and stores the event once per event id (a unique constraint: a repeat is
answered as already received and changes nothing). `apply_due` runs in the worker: each
event's effect (providers.Effect) moves its donation along workflow.MOVES, records the
payment (unique on the provider's reference, so the same charge announced by two events
counts once) and queues the receipt, all in one transaction. Events may arrive before the
donation they speak of is known (an invoice before its session): such an event waits and
is tried again, up to MAX_TRIES times.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from groundswell.lib import leases, sealed, worklog

from . import providers, receipts
from .models import (
    Donation,
    DonationState,
    EventState,
    Payment,
    PaymentAccount,
    Pledge,
    PledgeState,
    ProviderEvent,
)
from .services import secrets_of
from .workflow import MOVES

MAX_TRIES = 8
OPEN_PLEDGES = (PledgeState.PROMISED, PledgeState.REMINDED)
BATCH = 100


@dataclass(frozen=True)
class Received:
    event: ProviderEvent
    new: bool


class NotConnected(Exception):
    """No such provider account for the organisation (answered 404)."""


def receive(
    organisation_id: int, provider_name: str, headers: dict[str, str], body: bytes
) -> Received:
    """Verify and store a webhook. Raises providers.Refused (answer 400) or NotConnected."""
    try:
        provider = providers.get(provider_name)
    except LookupError:
        raise NotConnected from None
    account = PaymentAccount.objects.filter(
        organisation_id=organisation_id, provider=provider_name
    ).first()
    if account is None:
        raise NotConnected
    try:
        _api_key, secret = secrets_of(account)
    except sealed.Unreadable:
        raise providers.Refused("The webhook secret must be entered again.") from None
    event = provider.verify(secret, headers, body, time.time())
    try:
        with transaction.atomic():
            stored = ProviderEvent.objects.create(
                organisation_id=organisation_id,
                provider=provider_name,
                event_id=event.id,
                kind=event.kind,
                payload=event.payload,
                next_try_at=timezone.now(),
            )
    except IntegrityError:
        stored = ProviderEvent.objects.get(
            organisation_id=organisation_id, provider=provider_name, event_id=event.id
        )
        return Received(stored, new=False)
    return Received(stored, new=True)


def apply_due(limit: int = BATCH) -> int:
    moment = leases.now()
    due = ProviderEvent.objects.filter(
        Q(next_try_at__lte=moment) | Q(next_try_at__isnull=True), state=EventState.RECEIVED
    ).order_by("received_at", "pk")[:limit]
    done = 0
    for event in due:
        apply(event)
        done += 1
    worklog.did("applied", done, "payment events")
    return done


def apply(event: ProviderEvent) -> None:
    provider = providers.get(event.provider)
    effect = provider.effect(providers.Event(event.event_id, event.kind, event.payload))
    with transaction.atomic():
        if effect.what == providers.NOTHING:
            _finish(event, EventState.IGNORED, "")
            return
        donation = _donation_for(event, effect)
        if donation is None:
            _wait(event)
            return
        note = _move(donation, effect, event.provider)
        _finish(event, EventState.APPLIED, note)


def _donation_for(event: ProviderEvent, effect: providers.Effect) -> Donation | None:
    ours = Donation.objects.select_for_update().filter(
        organisation_id=event.organisation_id, provider=event.provider
    )
    if effect.what == providers.REFUNDED:
        payment = (
            Payment.objects.filter(
                donation__organisation_id=event.organisation_id, provider=event.provider
            )
            .filter(Q(charge=effect.charge) | Q(reference=effect.charge))
            .first()
            if effect.charge
            else None
        )
        return ours.filter(pk=payment.donation_id).first() if payment else None
    for field, value in (
        ("token", effect.donation),
        ("checkout_id", effect.checkout),
        ("subscription_id", effect.subscription),
    ):
        if value:
            found = ours.filter(**{field: value}).first()
            if found:
                return found
    return None


def _move(donation: Donation, effect: providers.Effect, provider: str) -> str:
    now = timezone.now()
    changed: dict[str, object] = {}
    if effect.subscription and not donation.subscription_id:
        changed["subscription_id"] = effect.subscription
    if effect.what == providers.PAID:
        payment, created = _payment(donation, effect, provider, now)
        if not created:
            return "payment already recorded"
        receipts.queue_receipt(donation, payment)
        if donation.frequency == "monthly":
            target = DonationState.ACTIVE if donation.state in MOVES["started"][0] else None
        else:
            target = DonationState.PAID if donation.state in MOVES["paid"][0] else None
        if target:
            changed["state"] = target
        if donation.paid_at is None:
            changed["paid_at"] = now
        # A pledge paid through its page is kept.
        Pledge.objects.filter(donation=donation, state__in=OPEN_PLEDGES).update(
            state=PledgeState.FULFILLED, closed_at=now
        )
    elif effect.what == providers.REFUNDED:
        Payment.objects.filter(donation=donation).filter(
            Q(charge=effect.charge) | Q(reference=effect.charge)
        ).update(refunded=effect.amount)
        unrefunded = Payment.objects.filter(donation=donation, refunded__lt=F("amount"))
        if donation.state in MOVES["refunded"][0] and not unrefunded.exists():
            changed["state"] = DonationState.REFUNDED
    else:
        allowed, target_state = MOVES[effect.what]
        if donation.state in allowed:
            changed["state"] = target_state
            if effect.what == providers.CANCELLED:
                changed["ended_at"] = now
    if not changed:
        return f"nothing to change in state {donation.state}"
    Donation.objects.filter(pk=donation.pk).update(**changed)
    return f"{donation.state} → {changed.get('state', donation.state)}"


def _payment(
    donation: Donation, effect: providers.Effect, provider: str, now: datetime
) -> tuple[Payment, bool]:
    reference = effect.reference or f"{donation.token}-{donation.payments.count() + 1}"
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                donation=donation,
                provider=provider,
                reference=reference,
                charge=effect.charge,
                amount=effect.amount or donation.amount,
                currency=effect.currency or donation.currency,
                paid_at=now,
            )
    except IntegrityError:  # the same charge, announced by another event (order.paid and
        # payment.captured) or another delivery
        return Payment.objects.get(provider=provider, reference=reference), False
    return payment, True


def _finish(event: ProviderEvent, state: str, note: str) -> None:
    # The payload carries the donor's name and email as the provider knows them: once
    # applied, only the id (which makes a repeat harmless) and the kind are kept.
    ProviderEvent.objects.filter(pk=event.pk).update(
        state=state, note=note[:300], processed_at=timezone.now(), payload={}
    )


def _wait(event: ProviderEvent) -> None:
    tries = event.attempts + 1
    if tries >= MAX_TRIES:
        _finish(event, EventState.IGNORED, "no donation of ours matches this event")
        return
    ProviderEvent.objects.filter(pk=event.pk).update(
        attempts=tries,
        next_try_at=leases.now() + timedelta(seconds=5 * 2**tries),
        note="waiting for the donation it speaks of",
    )
