"""The one small interface every payment provider speaks, and the registry of providers.

A provider does three things for us, none of them inside a web request but `verify`:
open a hosted checkout for a donation (`open_checkout`, in the worker, through lib/http.py),
verify a webhook exactly as the provider documents it (`verify`, in the request: no network,
only the stored secret and the raw body), and say what a verified event means for a
donation (`effect`). Card data never reaches us: the donor pays on the provider's page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


class Refused(Exception):
    """A webhook that does not verify: forged, tampered with, replayed late or malformed.
    The message is safe to answer with (it names the reason, never the secret)."""


class Unavailable(Exception):
    """The provider could not open a checkout; the message is safe to show staff."""


@dataclass(frozen=True)
class Credentials:
    key_id: str
    api_key: str


@dataclass(frozen=True)
class CheckoutRequest:
    donation: str  # our token: the idempotency key and how events find the donation
    amount: int  # minor units
    currency: str
    monthly: bool
    description: str
    email: str
    return_url: str
    cancel_url: str


@dataclass(frozen=True)
class Checkout:
    id: str
    url: str
    # A form the donor's browser posts to reach the page (Razorpay's hosted checkout),
    # or empty where a plain redirect does (Stripe).
    form: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Event:
    id: str
    kind: str
    payload: dict[str, Any]


# What an event does to a donation.
STARTED = "started"  # a monthly gift's subscription is running
PAID = "paid"  # money arrived (a one-off charge, or one month's invoice)
FAILED = "failed"
REFUNDED = "refunded"
CANCELLED = "cancelled"
NOTHING = "nothing"


@dataclass(frozen=True)
class Effect:
    what: str
    donation: str = ""  # our token, where the event carries it
    checkout: str = ""  # the provider's checkout id (session, order)
    subscription: str = ""
    reference: str = ""  # the payment's own id (payment intent, invoice, Razorpay payment)
    charge: str = ""  # what a refund names
    amount: int = 0
    currency: str = ""


class Provider(Protocol):
    name: str
    monthly: bool  # whether we offer monthly gifts through it

    def open_checkout(self, credentials: Credentials, request: CheckoutRequest) -> Checkout: ...

    def verify(self, secret: str, headers: dict[str, str], body: bytes, now: float) -> Event: ...

    def effect(self, event: Event) -> Effect: ...


NAMES = ("stripe", "razorpay")


def get(name: str) -> Provider:
    from . import razorpay, stripe

    providers: dict[str, Provider] = {"stripe": stripe.STRIPE, "razorpay": razorpay.RAZORPAY}
    try:
        return providers[name]
    except KeyError:
        raise LookupError(name) from None
