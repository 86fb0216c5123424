"""Fetching a source politely, through lib/http (the only outbound client).

One request at a time per host, across every worker: a fetch first takes the host's slot
(a named lease on a `HostSlot` row, lib/leases.py), which it cannot while another fetch
holds it or before the slot's `not_before` (the gap after the last request, or the
server's own Retry-After). A fetch that cannot take the slot is put off, not failed.

Conditional GET (If-None-Match, If-Modified-Since) saves the server a body it already
sent; Cache-Control's max-age and Retry-After say when to come back.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from django.db.models import Q

from groundswell.lib import http, leases

from .models import HostSlot

# Polls are small documents: a feed larger than this is refused, whatever it holds.
MAX_BYTES = 2 * 1024 * 1024
# The whole fetch, redirects and every slow read included (lib/http's deadline).
DEADLINE_SECONDS = 20.0
# The least time between two requests to one host, from any worker.
MIN_GAP = timedelta(seconds=2)
# How long a fetch holds its host's slot at most (longer than DEADLINE_SECONDS).
HOST_LEASE = timedelta(seconds=60)
# Retry-After and max-age beyond this are read as this.
LONGEST_WAIT = timedelta(hours=24)
ACCEPT = (
    "application/atom+xml, application/rss+xml, application/feed+json, application/json;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, text/html;q=0.5, */*;q=0.1"
)


class HostBusy(Exception):
    """Another fetch holds the host, or its gap has not passed; try again at `until`."""

    def __init__(self, until: datetime) -> None:
        super().__init__("the host is busy")
        self.until = until


@dataclass
class Fetched:
    response: http.Response
    retry_after: datetime | None


def polite_get(url: str, *, headers: dict[str, str] | None = None) -> Fetched:
    """GET `url` holding its host's slot; HostBusy when the host is not ours to ask now,
    http.FetchError when the fetch fails."""
    host = (urlsplit(url).hostname or "").lower()[:255]
    rows = HostSlot.objects.filter(host=host)
    moment = leases.now()
    holder = secrets.token_hex(8)
    free = Q(not_before__isnull=True) | Q(not_before__lte=moment)
    # Taken first and only then looked at: a host asked before (nearly always) costs one
    # statement here, not two.
    if not leases.take(rows.filter(free), holder, moment, HOST_LEASE):
        held = rows.values_list("until", "not_before").first()
        if held is not None:
            waits = [value for value in held if value is not None and value > moment]
            raise HostBusy(max(waits) if waits else moment + MIN_GAP)
        # The host's first request: its slot is made, then taken (unless another worker's
        # request to it came first).
        HostSlot.objects.bulk_create([HostSlot(host=host)], ignore_conflicts=True)
        if not leases.take(rows.filter(free), holder, moment, HOST_LEASE):
            raise HostBusy(moment + MIN_GAP)
    retry_after: datetime | None = None
    try:
        response = http.get(
            url,
            headers={"Accept": ACCEPT, **(headers or {})},
            max_bytes=MAX_BYTES,
            deadline=DEADLINE_SECONDS,
        )
        if response.status in (429, 503):
            retry_after = read_retry_after(response.headers.get("retry-after", ""))
        return Fetched(response=response, retry_after=retry_after)
    finally:
        after = leases.now() + MIN_GAP
        if retry_after is not None and retry_after > after:
            after = retry_after  # the server's word holds for every monitor on the host
        leases.release(rows, holder, not_before=after)


def read_retry_after(value: str) -> datetime | None:
    """Retry-After as a time (seconds or an HTTP date), capped at LONGEST_WAIT."""
    value = value.strip()
    moment = leases.now()
    if not value:
        return None
    if value.isdigit():
        wait = timedelta(seconds=min(int(value[:9]), LONGEST_WAIT.total_seconds()))
        return moment + wait
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return min(max(when, moment), moment + LONGEST_WAIT)


def max_age(cache_control: str) -> timedelta | None:
    """Cache-Control's max-age (no-store/no-cache say nothing about when to come back)."""
    for directive in cache_control.lower().split(","):
        name, _, value = directive.strip().partition("=")
        if name == "max-age" and value.strip().isdigit():
            seconds = min(int(value.strip()[:9]), int(LONGEST_WAIT.total_seconds()))
            return timedelta(seconds=seconds)
    return None


def conditional_headers(etag: str, last_modified: str) -> dict[str, str]:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers
