"""Signed links in supporters' emails: they work without an account and cannot be forged.

Each kind of link has its own salt, so a confirmation link can never be replayed as an
unsubscribe link. Only ids travel inside; the signature makes them unguessable.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

CONFIRM_MAX_AGE = timedelta(days=14)


class LinkError(Exception):
    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def _make(salt: str, value: int) -> str:
    return signing.dumps(value, salt=salt, compress=False)


def _read(salt: str, token: str, max_age: timedelta | None = None) -> int:
    try:
        value = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkError(expired=True) from None
    except signing.BadSignature:
        raise LinkError(expired=False) from None
    if not isinstance(value, int):
        raise LinkError(expired=False)
    return value


def confirm_url(signature_id: int) -> str:
    token = _make("groundswell.confirm", signature_id)
    return settings.SITE_URL + reverse("actions:confirm", args=[token])


def read_confirm_token(token: str) -> int:
    return _read("groundswell.confirm", token, CONFIRM_MAX_AGE)


def supporter_page_url(supporter_id: int) -> str:
    token = _make("groundswell.impact", supporter_id)
    return settings.SITE_URL + reverse("referrals:impact", args=[token])


def read_supporter_page_token(token: str) -> int:
    return _read("groundswell.impact", token)


def unsubscribe_url(supporter_id: int) -> str:
    token = _make("groundswell.unsubscribe", supporter_id)
    return settings.SITE_URL + reverse("supporters:unsubscribe", args=[token])


def read_unsubscribe_token(token: str) -> int:
    return _read("groundswell.unsubscribe", token)
