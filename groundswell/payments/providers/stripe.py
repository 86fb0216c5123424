"""Stripe Checkout: a hosted payment page per donation, and Stripe's signed webhooks.

Sessions are made with `POST /v1/checkout/sessions` (form-encoded, the secret key as a
bearer token, our donation token as the Idempotency-Key, so a worker that retries after a
lost answer gets the same session back). One-off gifts are `mode=payment`, monthly gifts
`mode=subscription` with an inline monthly price. Our token rides along as
`client_reference_id` and in the metadata of the payment intent or the subscription, which
is how every later event finds its donation.

Webhooks are verified as Stripe documents it ("Verify signatures manually"): the
`Stripe-Signature` header carries `t=<unix time>` and one or more `v1=<hex>`; the expected
signature is HMAC-SHA256, keyed with the endpoint's signing secret, of `<t>.<raw body>`;
any `v1` matching (compared in constant time) verifies, and a timestamp more than
TOLERANCE seconds old is refused even with a good signature, so a captured request cannot
be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlencode

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
from .common import Retry, call, dig, event_body, number, text, web_address

TOLERANCE = 300  # seconds, Stripe's own default
EXPIRED = "expired"


class Stripe:
    name = "stripe"
    monthly = True

    def open_checkout(self, credentials: Credentials, request: CheckoutRequest) -> Checkout:
        fields: list[tuple[str, str | int]] = [
            ("mode", "subscription" if request.monthly else "payment"),
            ("success_url", request.return_url),
            ("cancel_url", request.cancel_url),
            ("client_reference_id", request.donation),
            ("line_items[0][quantity]", 1),
            ("line_items[0][price_data][currency]", request.currency.lower()),
            ("line_items[0][price_data][unit_amount]", request.amount),
            ("line_items[0][price_data][product_data][name]", request.description[:200]),
        ]
        if request.email:
            fields.append(("customer_email", request.email))
        if request.monthly:
            fields += [
                ("line_items[0][price_data][recurring][interval]", "month"),
                ("subscription_data[metadata][donation]", request.donation),
            ]
        else:
            fields += [
                ("submit_type", "donate"),
                ("payment_intent_data[metadata][donation]", request.donation),
            ]
        answer = call(
            f"{settings.PAYMENTS_STRIPE_API}/v1/checkout/sessions",
            body=urlencode(fields).encode(),
            headers={
                "Authorization": f"Bearer {credentials.api_key}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Idempotency-Key": f"groundswell-{request.donation}",
            },
        )
        session, url = text(answer.get("id")), text(answer.get("url"), 2000)
        if not session or not web_address(url):
            raise Retry("Stripe's answer had no session id or no web address")
        return Checkout(id=session, url=url)

    def verify(self, secret: str, headers: dict[str, str], body: bytes, now: float) -> Event:
        timestamp, signatures = "", []
        for item in headers.get("stripe-signature", "").split(","):
            key, _sep, value = item.strip().partition("=")
            if key == "t":
                timestamp = value
            elif key == "v1":
                signatures.append(value.encode("utf-8", "replace"))
        if not timestamp.isdigit() or not signatures:
            raise Refused("The Stripe-Signature header needs t= and v1=.")
        signed = timestamp.encode() + b"." + body
        expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest().encode()
        # Every v1 is compared, each in constant time: Stripe sends several while a secret
        # is being rolled.
        matches = [hmac.compare_digest(expected, given) for given in signatures]
        if not any(matches):
            raise Refused("The signature does not match.")
        if int(timestamp) < now - TOLERANCE:
            raise Refused("The signature is too old: a replayed request.")
        payload = event_body(body)
        event_id, kind = text(payload.get("id")), text(payload.get("type"), 100)
        if not event_id or not kind:
            raise Refused("The body is not a Stripe event.")
        return Event(id=event_id, kind=kind, payload=payload)

    def effect(self, event: Event) -> Effect:
        thing = dig(event.payload, "data", "object")
        if not isinstance(thing, dict):
            return Effect(NOTHING)
        kind = event.kind
        if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
            return _session_done(thing)
        if kind == "checkout.session.async_payment_failed":
            return Effect(FAILED, donation=text(thing.get("client_reference_id")))
        if kind == "checkout.session.expired":
            return Effect(EXPIRED, donation=text(thing.get("client_reference_id")))
        if kind == "payment_intent.payment_failed":
            return Effect(FAILED, donation=text(dig(thing, "metadata", "donation")))
        if kind == "charge.refunded":
            return Effect(
                REFUNDED,
                charge=text(thing.get("payment_intent")) or text(thing.get("id")),
                amount=number(thing.get("amount_refunded")),
            )
        if kind == "invoice.paid":
            return _invoice_paid(thing)
        if kind == "customer.subscription.deleted":
            return Effect(
                CANCELLED,
                donation=text(dig(thing, "metadata", "donation")),
                subscription=text(thing.get("id")),
            )
        return Effect(NOTHING)


def _session_done(session: dict[str, object]) -> Effect:
    token = text(session.get("client_reference_id"))
    if session.get("mode") == "subscription":
        # The money comes with the subscription's invoices (invoice.paid).
        return Effect(
            STARTED,
            donation=token,
            checkout=text(session.get("id")),
            subscription=text(session.get("subscription")),
        )
    if session.get("payment_status") != "paid":
        return Effect(NOTHING)  # a bank debit still on its way: async_payment_* will say
    intent = text(session.get("payment_intent"))
    return Effect(
        PAID,
        donation=token,
        checkout=text(session.get("id")),
        reference=intent or text(session.get("id")),
        charge=intent,
        amount=number(session.get("amount_total")),
        currency=text(session.get("currency"), 3).upper(),
    )


def _invoice_paid(invoice: dict[str, object]) -> Effect:
    # Stripe's newer API versions moved the subscription under parent.subscription_details.
    details = dig(invoice, "parent", "subscription_details") or invoice.get("subscription_details")
    subscription = text(invoice.get("subscription")) or text(dig(details, "subscription"))
    return Effect(
        PAID,
        donation=text(dig(details, "metadata", "donation")),
        subscription=subscription,
        reference=text(invoice.get("id")),
        charge=text(invoice.get("payment_intent")),
        amount=number(invoice.get("amount_paid")),
        currency=text(invoice.get("currency"), 3).upper(),
    )


STRIPE = Stripe()
