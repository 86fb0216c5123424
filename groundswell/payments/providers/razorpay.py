"""Razorpay: an order per donation (a subscription per monthly one), paid on Razorpay's
hosted checkout, and its webhooks.

Orders are made with `POST /v1/orders` (JSON, HTTP Basic with the key id and key secret),
our donation token as the order's `receipt` and in its notes. Razorpay's hosted checkout is
reached by a form the donor's browser posts to it (`key_id`, `order_id`, the callback and
cancel addresses); our waiting page shows that form once the order exists.

A monthly gift is a Razorpay Subscription: a plan (`POST /v1/plans`: monthly, every 1
period, the amount and currency as its item) and a subscription on it (`POST
/v1/subscriptions`: the plan, TOTAL_MONTHS billing cycles, our token in the notes of both),
whose first payment the donor authorises on the same hosted checkout (`subscription_id`
instead of `order_id`). Razorpay then charges each month by itself and says so with
`subscription.charged` (the subscription and that month's payment); `subscription.cancelled`
ends it. A plan is made per gift: plans cannot be edited or deleted, and one per amount
would need a cache of them for little gain.

Webhooks are verified as Razorpay documents it: `X-Razorpay-Signature` is the hex
HMAC-SHA256 of the raw body keyed with the webhook secret, compared in constant time; the
event id is the `X-Razorpay-Event-Id` header. The signature carries no time, so an event
whose own `created_at` (inside the signed body) is older than MAX_AGE is refused as a
replay: Razorpay stops retrying a delivery after 24 hours.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from django.conf import settings

from . import (
    CANCELLED,
    FAILED,
    NOTHING,
    PAID,
    REFUNDED,
    STARTED,
    Checkout,
    CheckoutRequest,
    Credentials,
    Effect,
    Event,
    Refused,
)
from .common import Retry, call, dig, event_body, number, text

MAX_AGE = 2 * 24 * 3600  # seconds
# Billing cycles of a monthly gift: ten years, after which Razorpay completes the
# subscription (Razorpay needs a count; a donor stops sooner by cancelling).
TOTAL_MONTHS = 120


def _post(credentials: Credentials, path: str, value: object) -> dict[str, object]:
    auth = base64.b64encode(f"{credentials.key_id}:{credentials.api_key}".encode()).decode()
    return call(
        f"{settings.PAYMENTS_RAZORPAY_API}{path}",
        body=json.dumps(value).encode(),
        headers={"Authorization": f"Basic {auth}", "Content-Type": "application/json"},
    )


class Razorpay:
    name = "razorpay"
    monthly = True

    def open_checkout(self, credentials: Credentials, request: CheckoutRequest) -> Checkout:
        notes = {"donation": request.donation}
        if request.monthly:
            plan = text(
                _post(
                    credentials,
                    "/v1/plans",
                    {
                        "period": "monthly",
                        "interval": 1,
                        "item": {
                            "name": request.description[:200],
                            "amount": request.amount,
                            "currency": request.currency,
                        },
                        "notes": notes,
                    },
                ).get("id")
            )
            if not plan:
                raise Retry("Razorpay's answer had no plan id")
            subscription = text(
                _post(
                    credentials,
                    "/v1/subscriptions",
                    {"plan_id": plan, "total_count": TOTAL_MONTHS, "quantity": 1, "notes": notes},
                ).get("id")
            )
            if not subscription:
                raise Retry("Razorpay's answer had no subscription id")
            checkout, paying = subscription, {"subscription_id": subscription}
        else:
            order = text(
                _post(
                    credentials,
                    "/v1/orders",
                    {
                        "amount": request.amount,
                        "currency": request.currency,
                        "receipt": request.donation[:40],
                        "notes": notes,
                    },
                ).get("id")
            )
            if not order:
                raise Retry("Razorpay's answer had no order id")
            checkout = order
            paying = {
                "order_id": order,
                "amount": str(request.amount),
                "currency": request.currency,
            }
        form = {
            "key_id": credentials.key_id,
            **paying,
            "description": request.description[:250],
            "callback_url": request.return_url,
            "cancel_url": request.cancel_url,
        }
        if request.email:
            form["prefill[email]"] = request.email
        return Checkout(id=checkout, url=settings.PAYMENTS_RAZORPAY_CHECKOUT, form=form)

    def verify(self, secret: str, headers: dict[str, str], body: bytes, now: float) -> Event:
        given = headers.get("x-razorpay-signature", "").strip().encode("utf-8", "replace")
        if not given:
            raise Refused("The X-Razorpay-Signature header is missing.")
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest().encode()
        if not hmac.compare_digest(expected, given):
            raise Refused("The signature does not match.")
        payload = event_body(body)
        kind = text(payload.get("event"), 100)
        event_id = text(headers.get("x-razorpay-event-id", "").strip())
        if not kind or not event_id:
            raise Refused("The body is not a Razorpay event, or its event id is missing.")
        created = payload.get("created_at")
        if not isinstance(created, int) or created < now - MAX_AGE:
            raise Refused("The event is too old: a replayed request.")
        return Event(id=event_id, kind=kind, payload=payload)

    def effect(self, event: Event) -> Effect:
        if event.kind.startswith("subscription."):
            return _subscription_effect(event)
        payment = dig(event.payload, "payload", "payment", "entity")
        if not isinstance(payment, dict):
            return Effect(NOTHING)
        order = text(payment.get("order_id"))
        token = text(dig(payment, "notes", "donation"))
        if event.kind in ("payment.captured", "order.paid"):
            return Effect(
                PAID,
                donation=token,
                checkout=order,
                reference=text(payment.get("id")),
                charge=text(payment.get("id")),
                amount=number(payment.get("amount")),
                currency=text(payment.get("currency"), 3).upper(),
            )
        if event.kind == "payment.failed":
            return Effect(FAILED, donation=token, checkout=order)
        if event.kind in ("refund.processed", "payment.refunded"):
            return Effect(
                REFUNDED,
                charge=text(payment.get("id")),
                amount=number(payment.get("amount_refunded")),
            )
        return Effect(NOTHING)


def _subscription_effect(event: Event) -> Effect:
    """What a subscription event does: every such event carries the subscription, and
    `subscription.charged` the month's payment too."""
    subscription = dig(event.payload, "payload", "subscription", "entity")
    if not isinstance(subscription, dict):
        return Effect(NOTHING)
    token = text(dig(subscription, "notes", "donation"))
    subscription_id = text(subscription.get("id"))
    if event.kind == "subscription.charged":
        payment = dig(event.payload, "payload", "payment", "entity")
        if not isinstance(payment, dict) or not text(payment.get("id")):
            return Effect(NOTHING)
        return Effect(
            PAID,
            donation=token,
            subscription=subscription_id,
            reference=text(payment.get("id")),
            charge=text(payment.get("id")),
            amount=number(payment.get("amount")),
            currency=text(payment.get("currency"), 3).upper(),
        )
    if event.kind in ("subscription.authenticated", "subscription.activated"):
        return Effect(STARTED, donation=token, subscription=subscription_id)
    if event.kind == "subscription.cancelled":
        return Effect(CANCELLED, donation=token, subscription=subscription_id)
    return Effect(NOTHING)


RAZORPAY = Razorpay()
