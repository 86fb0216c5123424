"""Limits on signing, shared by every way in: the web form and the OSDI helper."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from groundswell.lib import ratelimit


def within_sign_rate(request: HttpRequest) -> bool:
    """One burst limit for every way of signing (web form and OSDI helper) per address
    (an IPv6 client's /64), shared by every process."""
    return ratelimit.hit(
        "sign",
        ratelimit.client_network(request),
        limit=settings.SIGN_RATE_LIMIT_PER_MINUTE,
        window=60,
    )
