"""Feeds out: RSS 2.0 and Atom 1.0 through Django's syndication framework, JSON Feed 1.1."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed, SyndicationFeed

from groundswell.accounts.models import Organisation
from groundswell.campaigns.access import public_campaign
from groundswell.campaigns.models import Campaign
from groundswell.stories.models import Story

FEED_LENGTH = 30


def absolute(path: str) -> str:
    # Media in object storage (MEDIA_STORAGE=s3) have absolute URLs already.
    return path if "://" in path else settings.SITE_URL + path


def feed_source(org_slug: str, campaign_slug: str | None) -> tuple[Organisation, Campaign | None]:
    organisation = get_object_or_404(Organisation.objects.public(), slug=org_slug)
    campaign = public_campaign(org_slug, campaign_slug) if campaign_slug else None
    return organisation, campaign


def feed_stories(organisation: Organisation, campaign: Campaign | None) -> list[Story]:
    stories = Story.objects.published().filter(organisation=organisation)
    if campaign is not None:
        stories = stories.filter(campaign=campaign)
    return list(stories[:FEED_LENGTH])


def feed_title(organisation: Organisation, campaign: Campaign | None) -> str:
    return f"{campaign.title} — {organisation.name}" if campaign else organisation.name


def feed_home(organisation: Organisation, campaign: Campaign | None) -> str:
    if campaign is not None:
        return campaign.get_absolute_url()
    return reverse("hub:organisation", args=[organisation.slug])


def feed_path(organisation: Organisation, campaign: Campaign | None, kind: str) -> str:
    if campaign is not None:
        return reverse(f"hub:campaign_feed_{kind}", args=[organisation.slug, campaign.slug])
    return reverse(f"hub:feed_{kind}", args=[organisation.slug])


class StoryFeed(Feed[Story, tuple[Organisation, Campaign | None]]):
    feed_type: type[SyndicationFeed] = Rss201rev2Feed
    kind = "rss"

    def get_object(
        self, request: HttpRequest, org_slug: str, campaign_slug: str | None = None
    ) -> tuple[Organisation, Campaign | None]:
        return feed_source(org_slug, campaign_slug)

    def title(self, obj: tuple[Organisation, Campaign | None]) -> str:
        return feed_title(*obj)

    def link(self, obj: tuple[Organisation, Campaign | None]) -> str:
        return feed_home(*obj)

    def feed_url(self, obj: tuple[Organisation, Campaign | None]) -> str:
        return feed_path(*obj, self.kind)

    def description(self, obj: tuple[Organisation, Campaign | None]) -> str:
        organisation, campaign = obj
        return (campaign.summary if campaign else organisation.summary) or feed_title(*obj)

    subtitle = description

    def items(self, obj: tuple[Organisation, Campaign | None]) -> list[Story]:
        return feed_stories(*obj)

    def item_title(self, item: Story) -> str:
        return item.title

    def item_description(self, item: Story) -> str:
        return item.body_html or item.summary

    def item_link(self, item: Story) -> str:
        return item.get_absolute_url()

    def item_guid(self, item: Story) -> str:
        return absolute(item.get_absolute_url())

    def item_pubdate(self, item: Story) -> Any:
        return item.published_at

    def item_updateddate(self, item: Story) -> Any:
        return item.updated_at

    def item_author_name(self, item: Story) -> str | None:
        return item.author.name if item.author else None

    def item_categories(self, item: Story) -> list[str]:
        campaign = item.public_campaign
        return [campaign.title] if campaign else []

    def item_enclosures(self, item: Story) -> list[Enclosure]:
        if item.cover is None:
            return []
        mime = "image/webp" if str(item.cover.image.name).endswith(".webp") else "image/jpeg"
        # RSS 2.0 requires a length. The size stored when the image was processed, never
        # the storage's (in S3 that is a request per item per feed); 0 where it was never
        # known, as the RSS Best Practices Profile says for an unknown length.
        length = str(item.cover.image_bytes)
        return [Enclosure(absolute(item.cover.image.url), length, mime)]


class AtomStoryFeed(StoryFeed):
    feed_type = Atom1Feed
    kind = "atom"


def json_feed(
    request: HttpRequest, org_slug: str, campaign_slug: str | None = None
) -> JsonResponse:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""
    organisation, campaign = feed_source(org_slug, campaign_slug)
    items = []
    for story in feed_stories(organisation, campaign):
        url = absolute(story.get_absolute_url())
        item: dict[str, Any] = {
            "id": url,
            "url": url,
            "title": story.title,
            "content_html": story.body_html,
            "date_published": story.published_at.isoformat() if story.published_at else None,
            "date_modified": story.updated_at.isoformat(),
            "language": story.language,
        }
        if story.summary:
            item["summary"] = story.summary
        if story.cover is not None:
            item["image"] = absolute(story.cover.image.url)
        if story.author is not None:
            item["authors"] = [{"name": story.author.name}]
        if story.public_campaign is not None:
            item["tags"] = [story.public_campaign.title]
        items.append(item)
    body = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed_title(organisation, campaign),
        "home_page_url": absolute(feed_home(organisation, campaign)),
        "feed_url": absolute(feed_path(organisation, campaign, "json")),
        "description": (campaign.summary if campaign else organisation.summary) or "",
        "items": items,
    }
    return JsonResponse(
        body, content_type="application/feed+json", json_dumps_params={"ensure_ascii": False}
    )
