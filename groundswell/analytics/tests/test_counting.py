"""Page views counted on the server, from the page copy too; nothing about the reader kept."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from groundswell import testing
from groundswell.accounts.models import Membership, User
from groundswell.actions.models import Petition
from groundswell.analytics.models import PendingCount
from groundswell.lib import analytics
from groundswell.lib.tests.test_pagecache import Wsgi
from groundswell.stories.services import change_state

from .helpers import BROWSER, settle, total


def test_a_view_counts_for_its_organisation_campaign_and_petition_by_channel_and_utm(
    client: Client, petition: Petition
) -> None:
    url = petition.get_absolute_url()
    client.get(url + "?ch=whatsapp&utm_source=Newsletter&utm_medium=email&utm_campaign=dec-26",
               **BROWSER)  # fmt: skip
    client.get(url, HTTP_REFERER="https://www.example.com/blog/post", **BROWSER)
    settle()
    assert total("page_view") == 2
    assert total("page_view", scope="campaign", scope_id=petition.campaign_id) == 2
    assert total("page_view", scope="petition", scope_id=petition.pk) == 2
    assert total("page_view", dimension="channel", value="whatsapp") == 1
    assert total("page_view", dimension="channel", value="web") == 1
    assert total("page_view", dimension="referrer", value="example.com") == 1
    assert total("page_view", dimension="utm_source", value="newsletter") == 1
    assert total("page_view", dimension="utm_campaign", value="dec-26") == 1
    assert PendingCount.objects.count() == 0  # added up once, then gone


def test_readers_of_the_page_copy_before_django_are_counted_too(petition: Petition) -> None:
    wsgi = Wsgi()
    url = petition.campaign.get_absolute_url()
    wsgi.get(url, **BROWSER)
    for channel in ("bluesky", "bluesky", "email"):
        status, _headers, _html = wsgi.get(f"{url}?ch={channel}&utm_source=x1", **BROWSER)
        assert status == 200
    assert wsgi.reached_django == 1  # three of the four from the copy alone
    settle()
    assert total("page_view", scope="campaign", scope_id=petition.campaign_id) == 4
    assert total("page_view", dimension="channel", value="bluesky") == 2
    assert total("page_view", dimension="channel", value="email") == 1
    assert total("page_view", dimension="utm_source", value="x1") == 3


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_DNT": "1", **BROWSER},
        {"HTTP_SEC_GPC": "1", **BROWSER},
        {"HTTP_SEC_PURPOSE": "prefetch", **BROWSER},
        {"HTTP_USER_AGENT": "Mozilla/5.0 (compatible; Googlebot/2.1)"},
        {},
    ],
    ids=["do-not-track", "global-privacy-control", "prefetch", "robot", "no-user-agent"],
)
def test_nobody_who_asks_not_to_be_tracked_is_counted_at_all(
    client: Client, petition: Petition, headers: dict[str, Any]
) -> None:
    wsgi = Wsgi()
    for _ in range(2):  # the second from the copy
        assert wsgi.get(petition.get_absolute_url(), **headers)[0] == 200
    assert client.get(petition.get_absolute_url(), **headers).status_code == 200
    settle()
    assert total("page_view") == 0


def test_counting_sets_no_cookie_and_keeps_no_address(client: Client, petition: Petition) -> None:
    response = client.get(
        petition.get_absolute_url(), REMOTE_ADDR="203.0.113.9", HTTP_REFERER="https://t.co/x",
        **BROWSER,
    )  # fmt: skip
    assert not response.cookies
    analytics.flush()
    kept = PendingCount.objects.values()
    assert len(kept) == 1
    row_text = " ".join(str(value) for value in kept[0].values())
    assert "203.0.113" not in row_text and "Firefox" not in row_text
    assert kept[0]["channel"] == "x" and kept[0]["referrer"] == "t.co"


def test_staff_reading_the_public_pages_are_not_counted(
    client: Client, petition: Petition, alice: User
) -> None:
    client.force_login(alice)
    assert client.get(petition.get_absolute_url(), **BROWSER).status_code == 200
    settle()
    assert total("page_view") == 0


def test_a_story_view_counts_for_the_story_and_its_campaign(
    client: Client, owner: Membership
) -> None:
    campaign = testing.make_campaign(owner)
    story = testing.make_story(owner, campaign=campaign)
    change_state(owner, story, "publish")
    assert client.get(story.get_absolute_url() + "?ch=fediverse", **BROWSER).status_code == 200
    settle()
    assert total("page_view", scope="story", scope_id=story.pk) == 1
    assert total("page_view", scope="campaign", scope_id=campaign.pk) == 1
    assert total("page_view", dimension="channel", value="fediverse") == 1


def test_made_up_values_fold_away_once_the_counter_is_full(
    petition: Petition, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(analytics, "MAX_KEYS", 3)
    page = analytics.Dims(petition.organisation_id, petition.campaign_id, petition.pk)
    for n in range(10):
        analytics.count("page_view", page._replace(channel="web", utm_source=f"junk{n}"))
    settle()
    assert total("page_view") == 10  # the totals stay right
    assert total("page_view", dimension="channel", value="web") == 10
    assert total("page_view", dimension="utm_source", value="junk0") == 1
    assert total("page_view", dimension="utm_source", value="junk9") == 0


def test_counts_the_database_refused_wait_for_the_next_flush(
    petition: Petition, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = analytics.Dims(petition.organisation_id, petition.campaign_id, petition.pk)
    analytics.count("page_view", page, 3)

    def broken(counts: object) -> None:
        raise OSError("the database went away")

    writer = analytics.COUNTER._writer
    analytics.install_writer(broken)
    try:
        assert analytics.flush() == 0
    finally:
        analytics.install_writer(writer)  # type: ignore[arg-type]
    assert analytics.flush() == 3
    settle()
    assert total("page_view") == 3


def test_channels_are_read_from_the_tag_the_utm_values_and_the_referring_site() -> None:
    channel = analytics.channel_of
    assert channel("whatsapp", "t.co") == "whatsapp"
    assert channel("", "t.co") == "x"
    assert channel("", "google.de") == "search"
    assert channel("", "", "newsletter") == "email"
    assert channel("", "", "", "email") == "email"
    assert channel("", "example.org") == "web"
    assert channel("", "") == "site"
    assert channel("madeup", "") == "other"
    assert analytics.referrer_host("https://www.Example.com/x", "example.org") == "example.com"
    assert analytics.referrer_host("https://example.org/o/x/", "example.org") == ""
    assert analytics.referrer_host("http://[::1", "") == ""
    assert analytics.word("Hello World") == "" and analytics.word("Spring_26") == "spring_26"
