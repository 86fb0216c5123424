"""One Accept header, one answer everywhere: a page with a twin, the page copy in both of
its layers and the /ap/ views all decide through lib/accept.py.

Before, `Accept: application/json` made the page copy step aside while the page answered HTML
(rendered afresh each time), and the /ap/ views answered the same header with JSON.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from groundswell import testing
from groundswell.accounts.models import Organisation
from groundswell.actions.models import Petition
from groundswell.federation import documents
from groundswell.lib.tests.test_pagecache import Wsgi, header
from groundswell.stories.models import Story

ACTIVITY = "application/activity+json"
LD = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

# Each header, and whether it asks for the ActivityPub document (see lib/accept.py for why
# plain application/json does).
HEADERS = [
    pytest.param(ACTIVITY, True, id="activity+json"),
    pytest.param(LD, True, id="ld+json-profile"),
    pytest.param("application/ld+json", True, id="ld+json"),
    pytest.param(f"{ACTIVITY}, {LD}", True, id="mastodon"),
    pytest.param("application/json", True, id="json"),
    pytest.param("text/html;q=0.5, application/json", True, id="json-over-html"),
    pytest.param(FIREFOX, False, id="browser"),
    pytest.param("text/html,application/json;q=0.5,*/*;q=0.8", False, id="browser-with-json"),
    pytest.param("*/*", False, id="anything"),
    pytest.param(None, False, id="none"),
    pytest.param("application/json;q=0", False, id="json-refused"),
]


def _get(client: Client, url: str, accept: str | None) -> testing.ClientResponse:
    return client.get(url, headers={"Accept": accept} if accept else {})


def _varies_on_accept(vary: str) -> bool:
    return "Accept" in [value.strip() for value in vary.split(",")]


@pytest.mark.parametrize(("accept", "wants_json"), HEADERS)
def test_a_story_page_answers_each_header_as_decided(
    client: Client, story: Story, accept: str | None, wants_json: bool
) -> None:
    response = _get(client, story.get_absolute_url(), accept)
    assert response.status_code == 200
    assert _varies_on_accept(response["Vary"])
    if wants_json:
        assert response["Content-Type"] == ACTIVITY
        assert response.json()["id"] == documents.story_uri(story)
    else:
        assert response["Content-Type"].startswith("text/html")
        assert story.title in response.content.decode()


@pytest.mark.parametrize(("accept", "wants_json"), HEADERS)
def test_the_ap_views_answer_each_header_as_the_page_does(
    client: Client, story: Story, org: Organisation, accept: str | None, wants_json: bool
) -> None:
    for address, page, kind in [
        (documents.story_uri(story), story.get_absolute_url(), "Article"),
        (documents.actor_uri(org), f"/o/{org.slug}/", "Organization"),
    ]:
        response = _get(client, address, accept)
        assert _varies_on_accept(response["Vary"]), address
        if wants_json:
            assert response.status_code == 200, address
            assert response["Content-Type"] == ACTIVITY
            assert response.json()["id"] == address
            assert response.json()["type"] in (kind, "Note")
        else:
            # Whoever did not ask for ActivityPub is sent to the page.
            assert response.status_code == 302, address
            assert response["Location"] == page


@pytest.mark.parametrize(("accept", "wants_json"), HEADERS)
def test_the_page_copy_inside_django_answers_every_header_with_the_page(
    client: Client, petition: Petition, accept: str | None, wants_json: bool
) -> None:
    # A campaign page has no twin: once a request reaches its view, nothing took it for
    # ActivityPub, so the copy answers it rather than a page rendered for it alone.
    url = petition.campaign.get_absolute_url()
    client.get(url, headers={"Accept": FIREFOX})
    with CaptureQueriesContext(connection) as queries:
        response = _get(client, url, accept)
    assert response.status_code == 200
    assert len(queries) == 0, "rendered afresh instead of answered from the copy"
    assert response["Content-Type"].startswith("text/html")
    assert petition.campaign.title in response.content.decode()
    assert _varies_on_accept(response["Vary"])


@pytest.mark.parametrize(("accept", "wants_json"), HEADERS)
def test_the_page_copy_in_front_of_django_steps_aside_exactly_for_activitypub(
    petition: Petition, accept: str | None, wants_json: bool
) -> None:
    wsgi = Wsgi()
    url = petition.campaign.get_absolute_url()
    _status, _headers, html = wsgi.get(url, HTTP_ACCEPT=FIREFOX)
    assert wsgi.reached_django == 1
    extra = {"HTTP_ACCEPT": accept} if accept else {}
    with CaptureQueriesContext(connection) as queries:
        status, headers, body = wsgi.get(url, **extra)
    assert status == 200 and body == html  # the same page either way
    # The front cannot know whether a page has a twin, so it leaves ActivityPub to Django;
    # the copy inside Django answers it there (no query).
    assert wsgi.reached_django == (2 if wants_json else 1)
    assert len(queries) == 0
    assert _varies_on_accept(header(headers, "Vary")[0])
