"""When a form was shown, signed so that a script cannot claim to have taken its time.

The sign form carries `stamp()` in a hidden field: the moment it was shown and a random key,
signed. The request passes it on untouched (no work, no query); the worker reads it back
with `read()`, compares the moment with the one the signature arrived at, and counts how many
signatures came with the same key (actions/signals.py). A stamp from a page copy up to a
second old (lib/pagecache.py) only makes a person look slower, never faster; that copy hands
one stamp to every reader of the page in that second, which is why a few signatures may
share a key before it counts as reused.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from django.core import signing

_SIGNER_SALT = "groundswell.form-shown"
KEY_LENGTH = 16  # secrets.token_urlsafe(12): 96 random bits


def stamp(now: float | None = None) -> str:
    """`<milliseconds since the epoch>.<random key>:<signature>`."""
    moment = time.time() if now is None else now
    value = f"{int(moment * 1000)}.{secrets.token_urlsafe(12)}"
    return signing.Signer(salt=_SIGNER_SALT).sign(value)


class Forged(Exception):
    """The stamp was altered, made up, or signed with another secret."""


@dataclass(frozen=True)
class Shown:
    at: float  # seconds since the epoch
    key: str  # "" for a stamp written before stamps had one


def read(value: str) -> Shown:
    """When a stamp says its form was shown, and its key.

    Raises `Forged` for anything `stamp()` did not write with this site's secret (or one of
    its `SECRET_KEY_FALLBACKS`).
    """
    try:
        unsigned = signing.Signer(salt=_SIGNER_SALT).unsign(value)
    except signing.BadSignature:
        raise Forged from None
    milliseconds, dot, key = unsigned.partition(".")
    if not milliseconds.isascii() or not milliseconds.isdigit() or len(milliseconds) > 15:
        raise Forged
    if dot and len(key) != KEY_LENGTH:
        raise Forged
    return Shown(int(milliseconds) / 1000, key)


def shown_at(value: str) -> float:
    """The time (seconds since the epoch) a stamp says its form was shown (see `read`)."""
    return read(value).at


def key_of(value: str | None) -> str:
    """The key of a good stamp, or "" (none, forged, or from before stamps had one)."""
    if not value:
        return ""
    try:
        return read(value).key
    except Forged:
        return ""
