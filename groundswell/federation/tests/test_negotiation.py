"""An organisation's page and a story's page: HTML for browsers, ActivityPub for servers."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from groundswell.accounts.models import Membership, Organisation, User
from groundswell.federation import documents
from groundswell.lib.tests.test_pagecache import Wsgi, header
from groundswell.stories.models import Story
from groundswell.stories.services import change_state
from groundswell.testing import ClientResponse, make_story

ACTIVITY = "application/activity+json"
LD = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
# What Mastodon sends when someone pastes a link into its search.
MASTODON = f"{ACTIVITY}, {LD}"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def varies_on_accept(response: ClientResponse) -> bool:
    return "Accept" in [value.strip() for value in response.get("Vary", "").split(",")]


def alternate(html: str) -> str:
    found = re.search(
        r'<link rel="alternate" type="application/activity\+json" href="([^"]+)">', html
    )
    assert found, "no ActivityPub alternate link in the page"
    return found.group(1)


@pytest.mark.parametrize("accept", [ACTIVITY, LD, MASTODON, "text/html;q=0.5, " + ACTIVITY])
def test_a_server_asking_a_story_page_gets_the_story_object(
    client: Client, story: Story, accept: str
) -> None:
    response = client.get(story.get_absolute_url(), headers={"Accept": accept})
    assert response.status_code == 200
    assert response["Content-Type"] == ACTIVITY
    assert varies_on_accept(response)
    data = response.json()
    assert data["id"] == documents.story_uri(story)
    assert data["url"] == documents.absolute(story.get_absolute_url())
    # The same document as at its id, which is what Mastodon fetches next.
    assert client.get(data["id"], headers={"Accept": ACTIVITY}).json() == data


@pytest.mark.parametrize("accept", [BROWSER, "*/*", None])
def test_a_browser_gets_the_story_page_naming_its_twin(
    client: Client, story: Story, accept: str | None
) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get(story.get_absolute_url(), headers=headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert varies_on_accept(response)
    assert alternate(response.content.decode()) == documents.story_uri(story)


def test_the_organisation_page_is_the_actor_to_servers_and_the_page_to_people(
    client: Client, org: Organisation
) -> None:
    url = f"/o/{org.slug}/"
    actor = client.get(url, headers={"Accept": MASTODON})
    assert actor.status_code == 200 and varies_on_accept(actor)
    assert actor.json()["id"] == documents.actor_uri(org)
    assert actor.json()["type"] == "Organization"
    page = client.get(url, headers={"Accept": BROWSER})
    assert page["Content-Type"].startswith("text/html") and varies_on_accept(page)
    assert alternate(page.content.decode()) == documents.actor_uri(org)


def test_an_unpublished_story_or_unknown_page_is_404_in_json(
    client: Client, owner: Membership, story: Story
) -> None:
    change_state(owner, story, "unpublish")
    response = client.get(story.get_absolute_url(), headers={"Accept": ACTIVITY})
    assert response.status_code == 404
    assert response.json() == {"error": "no such page"}
    assert varies_on_accept(response)
    assert client.get("/o/nobody/", headers={"Accept": ACTIVITY}).status_code == 404


def test_a_preview_names_no_twin(client: Client, owner: Membership, alice: User) -> None:
    # A draft is not federated: its preview must not point servers at it.
    draft = make_story(owner)
    client.force_login(alice)
    response = client.get(f"/staff/{owner.organisation.slug}/stories/{draft.pk}/preview/")
    assert response.status_code == 200
    assert draft.title in response.content.decode()
    assert b"application/activity+json" not in response.content


def test_pages_without_a_twin_stay_html(client: Client, story: Story) -> None:
    response = client.get("/", headers={"Accept": ACTIVITY})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert not varies_on_accept(response)


def test_through_the_whole_wsgi_stack_browsers_and_servers_each_get_theirs(story: Story) -> None:
    wsgi = Wsgi()
    url = story.get_absolute_url()
    status, headers, html = wsgi.get(url, HTTP_ACCEPT=BROWSER)
    assert status == 200 and alternate(html) == documents.story_uri(story)
    assert "Accept" in header(headers, "Vary")[0]
    status, headers, body = wsgi.get(url, HTTP_ACCEPT=MASTODON)
    assert status == 200 and header(headers, "Content-Type") == [ACTIVITY]
    assert '"type": "Article"' in body or '"type": "Note"' in body
    status, _headers, html = wsgi.get(url, HTTP_ACCEPT=BROWSER)
    assert html.startswith("<!DOCTYPE html>") or "<html" in html
