"""The limit on public reports, like the sign form's: per address (an IPv6 client's /64),
shared by every process."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from groundswell.lib import ratelimit


def within_report_rate(request: HttpRequest) -> bool:
    return ratelimit.hit(
        "report",
        ratelimit.client_network(request),
        limit=settings.REPORT_RATE_LIMIT_PER_HOUR,
        window=3600,
    )
