"""Razorpay: an order per donation, paid on Razorpay's hosted checkout, and its webhooks.

Orders are made with `POST /v1/orders` (JSON, HTTP Basic with the key id and key secret),
our donation token as the order's `receipt` and in its notes. Razorpay's hosted checkout is
reached by a form the donor's browser posts to it (`key_id`, `order_id`, the callback and
cancel addresses); our waiting page shows that form once the order exists. Monthly gifts
are not offered through Razorpay here (its subscriptions need plans made in advance).

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
    FAILED,
    NOTHING,
    PAID,
    REFUNDED,
    Checkout,
    CheckoutRequest,
    Credentials,
    Effect,
    Event,
    Refused,
)
from .common import Retry, call, dig, event_body, number, text

MAX_AGE = 2 * 24 * 3600  # seconds


class Razorpay:
    name = "razorpay"
    monthly = False

    def open_checkout(self, credentials: Credentials, request: CheckoutRequest) -> Checkout:
        auth = base64.b64encode(f"{credentials.key_id}:{credentials.api_key}".encode()).decode()
        answer = call(
            f"{settings.PAYMENTS_RAZORPAY_API}/v1/orders",
            body=json.dumps(
                {
                    "amount": request.amount,
                    "currency": request.currency,
                    "receipt": request.donation[:40],
                    "notes": {"donation": request.donation},
                }
            ).encode(),
            headers={"Authorization": f"Basic {auth}", "Content-Type": "application/json"},
        )
        order = text(answer.get("id"))
        if not order:
            raise Retry("Razorpay's answer had no order id")
        form = {
            "key_id": credentials.key_id,
            "order_id": order,
            "amount": str(request.amount),
            "currency": request.currency,
            "description": request.description[:250],
            "callback_url": request.return_url,
            "cancel_url": request.cancel_url,
        }
        if request.email:
            form["prefill[email]"] = request.email
        return Checkout(id=order, url=settings.PAYMENTS_RAZORPAY_CHECKOUT, form=form)

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


RAZORPAY = Razorpay()
