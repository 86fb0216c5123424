"""When a form was shown, signed so that a script cannot claim to have taken its time.

The sign form carries `stamp()` in a hidden field. The request passes it on untouched (no
work, no query); the worker reads it back with `shown_at()` and compares it with the moment
the signature arrived. A stamp from a page copy up to a second old (lib/pagecache.py) only
makes a person look slower, never faster.
"""

from __future__ import annotations

import time

from django.core import signing

_SIGNER_SALT = "groundswell.form-shown"


def stamp(now: float | None = None) -> str:
    """`<milliseconds since the epoch>:<signature>`."""
    moment = time.time() if now is None else now
    return signing.Signer(salt=_SIGNER_SALT).sign(str(int(moment * 1000)))


class Forged(Exception):
    """The stamp was altered, made up, or signed with another secret."""


def shown_at(value: str) -> float:
    """The time (seconds since the epoch) a stamp says its form was shown.

    Raises `Forged` for anything `stamp()` did not write with this site's secret (or one of
    its `SECRET_KEY_FALLBACKS`).
    """
    try:
        milliseconds = signing.Signer(salt=_SIGNER_SALT).unsign(value)
    except signing.BadSignature:
        raise Forged from None
    if not milliseconds.isascii() or not milliseconds.isdigit() or len(milliseconds) > 15:
        raise Forged
    return int(milliseconds) / 1000
