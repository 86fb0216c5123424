import json
from xml.etree import ElementTree

import feedparser
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation
from groundswell.campaigns.models import Campaign
from groundswell.lib.images import process_image
from groundswell.stories.models import Story
from groundswell.stories.services import add_image, change_state


@pytest.fixture
def published(org: Organisation, owner: Membership) -> tuple[Campaign, list[Story]]:
    campaign = testing.make_campaign(owner)
    stories = []
    for n in range(3):
        story = testing.make_story(
            owner, slug=f"story-{n}", title=f"Story number {n}", campaign=campaign if n else None
        )
        upload = SimpleUploadedFile("p.png", testing.image_bytes())
        add_image(owner, story, process_image(upload), alt_text=f"Picture {n}")
        change_state(owner, story, "publish")
        stories.append(story)
    testing.make_story(owner, slug="secret-draft", title="Not yet public")
    return campaign, stories


def test_the_organisation_home_lists_live_campaigns_and_published_stories(
    client: Client, org: Organisation, published: tuple[Campaign, list[Story]]
) -> None:
    html = client.get(reverse("hub:organisation", args=[org.slug])).content.decode()
    assert "Clean Rivers Now" in html
    assert all(f"Story number {n}" in html for n in range(3))
    assert "Not yet public" not in html


def test_public_pages_use_a_fixed_number_of_queries(
    client: Client, org: Organisation, published: tuple[Campaign, list[Story]], owner: Membership
) -> None:
    url = reverse("hub:organisation", args=[org.slug])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(3, 8):
        story = testing.make_story(owner, slug=f"more-{n}", title=f"More {n}")
        change_state(owner, story, "publish")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few) <= 6


def test_pages_carry_link_preview_meta_and_feed_autodiscovery(
    client: Client, org: Organisation, published: tuple[Campaign, list[Story]]
) -> None:
    story = published[1][0]
    html = client.get(story.get_absolute_url()).content.decode()
    assert '<meta property="og:title" content="Story number 0">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert '<meta property="og:image" content="http://127.0.0.1:8000/media/stories/' in html
    assert '<meta property="og:image:alt" content="Picture 0">' in html
    for kind, mime in [
        ("rss", "application/rss+xml"),
        ("atom", "application/atom+xml"),
        ("json", "application/feed+json"),
    ]:
        assert f'type="{mime}"' in html
        assert f'href="/o/{org.slug}/feed.{kind}"' in html
    campaign_html = client.get(published[0].get_absolute_url()).content.decode()
    assert f'href="/o/{org.slug}/campaigns/clean-rivers/feed.rss"' in campaign_html


def test_public_pages_are_light_and_need_no_javascript(
    client: Client, org: Organisation, published: tuple[Campaign, list[Story]]
) -> None:
    for url in [
        "/",
        reverse("hub:organisation", args=[org.slug]),
        published[0].get_absolute_url(),
        published[1][0].get_absolute_url(),
    ]:
        response = client.get(url)
        assert response.status_code == 200
        assert len(response.content) < 150_000, url
        assert b"<script" not in response.content, url


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_xml_feeds_parse_and_list_only_published_stories(
    client: Client, org: Organisation, published: tuple[Campaign, list[Story]], kind: str
) -> None:
    response = client.get(reverse(f"hub:feed_{kind}", args=[org.slug]))
    assert response.status_code == 200
    ElementTree.fromstring(response.content)  # well-formed XML
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.version == {"rss": "rss20", "atom": "atom10"}[kind]
    assert parsed.feed.title == org.name
    titles = [entry.title for entry in parsed.entries]
    assert titles == ["Story number 2", "Story number 1", "Story number 0"]
    entry = parsed.entries[0]
    assert entry.link == "http://testserver/o/alices/stories/story-2/"
    assert "<strong>whole</strong>" in (entry.get("summary") or entry.content[0].value)
    assert entry.published_parsed is not None
    [enclosure] = [link for link in entry.links if link.get("rel") == "enclosure"]
    # The size stored when the image was processed: the feed asks no storage for it.
    cover = Story.objects.get(slug="story-2").cover
    assert cover is not None
    assert int(enclosure["length"]) == cover.image_bytes == cover.image.size > 0


def test_campaign_feeds_list_only_that_campaigns_stories(
    client: Client, org: Organisation, published: tuple[Campaign, list[Story]]
) -> None:
    response = client.get(reverse("hub:campaign_feed_atom", args=[org.slug, "clean-rivers"]))
    parsed = feedparser.parse(response.content)
    assert [e.title for e in parsed.entries] == ["Story number 2", "Story number 1"]
    data = client.get(reverse("hub:campaign_feed_json", args=[org.slug, "clean-rivers"])).json()
    assert [item["title"] for item in data["items"]] == ["Story number 2", "Story number 1"]


def test_json_feed_follows_version_1_1(
    client: Client, org: Organisation, published: tuple[Campaign, list[Story]]
) -> None:
    response = client.get(reverse("hub:feed_json", args=[org.slug]))
    assert response["Content-Type"] == "application/feed+json"
    data = json.loads(response.content)
    assert data["version"] == "https://jsonfeed.org/version/1.1"
    assert data["title"] == org.name
    assert data["feed_url"].endswith(f"/o/{org.slug}/feed.json")
    assert data["home_page_url"].endswith(f"/o/{org.slug}/")
    assert len(data["items"]) == 3
    for item in data["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert item["content_html"]
        assert item["date_published"].endswith("+00:00")
        assert item["image"].startswith("http://127.0.0.1:8000/media/")
        assert item["authors"] == [{"name": "Alice Owner"}]


def test_feeds_of_unknown_organisations_and_draft_campaigns_are_404(
    client: Client, org: Organisation, owner: Membership
) -> None:
    testing.make_campaign(owner, slug="hidden", status="draft")
    assert client.get("/o/nobody/feed.rss").status_code == 404
    assert client.get("/o/nobody/feed.json").status_code == 404
    assert client.get(f"/o/{org.slug}/campaigns/hidden/feed.atom").status_code == 404


def test_the_sitemap_lists_public_pages_only(
    client: Client, org: Organisation, published: tuple[Campaign, list[Story]]
) -> None:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    tree = ElementTree.fromstring(response.content)
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    locations = {node.text or "" for node in tree.iter(f"{namespace}loc")}
    assert "http://testserver/o/alices/stories/story-1/" in locations
    assert "http://testserver/o/alices/campaigns/clean-rivers/" in locations
    assert not any("secret-draft" in location for location in locations)


def test_the_language_switcher_works_without_javascript(client: Client, org: Organisation) -> None:
    html = client.get(reverse("hub:organisation", args=[org.slug])).content.decode()
    assert 'action="/i18n/setlang/"' in html
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/o/alices/"})
    assert response.status_code == 302
    assert response["Location"] == "/o/alices/"
