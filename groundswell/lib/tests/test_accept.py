"""Which Accept headers ask for ActivityPub JSON rather than the page (lib/accept.py)."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from groundswell.lib.accept import wants_activity_json

ACTIVITY = "application/activity+json"
LD = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize(
    "accept",
    [
        ACTIVITY,
        LD,
        "application/ld+json",
        f"{ACTIVITY}, {LD}",  # Mastodon's fetches
        "application/json",  # curl, a script, a browser extension
        "Application/JSON",  # media types are case-insensitive
        "application/json, text/html",  # equal weight: the first named wins
        "text/html;q=0.5, application/activity+json",
    ],
)
def test_activitypub_and_plain_json_ask_for_the_document(accept: str) -> None:
    assert wants_activity_json(RequestFactory().get("/", HTTP_ACCEPT=accept))


@pytest.mark.parametrize(
    "accept",
    [
        FIREFOX,
        "*/*",
        "",
        "text/html, application/json",
        "text/html,application/xhtml+xml,application/json;q=0.5,*/*;q=0.8",
        "application/activity+json;q=0",  # q=0 means "not this"
        "application/jrd+json",  # JSON, but not a type these addresses offer
        'application/ld+json; profile="https://example.org/other"',
    ],
)
def test_browsers_anything_and_other_json_types_get_the_page(accept: str) -> None:
    assert not wants_activity_json(RequestFactory().get("/", HTTP_ACCEPT=accept))


def test_no_accept_header_gets_the_page() -> None:
    request = RequestFactory().get("/")
    request.META.pop("HTTP_ACCEPT", None)
    assert not wants_activity_json(request)
