"""Published reports as RSS 2.0 and Atom 1.0, through Django's syndication framework as the
hub's story feeds are. An item is the words, the campaign and the blurred place, as GeoRSS
Simple (a point the feed readers that map can place); never who sent it."""

from __future__ import annotations

from typing import Any

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.utils.translation import gettext as _

from groundswell.accounts.models import Organisation

from . import published
from .access import public_organisation
from .models import FieldReport

FEED_LENGTH = 30
GEORSS = "http://www.georss.org/georss"


class _GeoRss(Rss201rev2Feed):
    def rss_attributes(self) -> dict[str, str]:
        return {**super().rss_attributes(), "xmlns:georss": GEORSS}

    def add_item_elements(self, handler: Any, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        handler.addQuickElement("georss:point", item["point"])


class _GeoAtom(Atom1Feed):
    def root_attributes(self) -> dict[str, str]:
        return {**super().root_attributes(), "xmlns:georss": GEORSS}

    def add_item_elements(self, handler: Any, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        handler.addQuickElement("georss:point", item["point"])


class ReportFeed(Feed[FieldReport, Organisation]):
    feed_type: type[SyndicationFeed] = _GeoRss
    kind = "rss"

    def get_object(self, request: HttpRequest, org_slug: str) -> Organisation:
        return public_organisation(org_slug)

    def title(self, obj: Organisation) -> str:
        return _("Reports from the ground — %(name)s") % {"name": obj.name}

    def link(self, obj: Organisation) -> str:
        return reverse("fieldreports:list", args=[obj.slug])

    def feed_url(self, obj: Organisation) -> str:
        return reverse(f"fieldreports:feed_{self.kind}", args=[obj.slug])

    def description(self, obj: Organisation) -> str:
        return _("Published reports sent in by the public, each place blurred to a grid square.")

    subtitle = description

    def items(self, obj: Organisation) -> list[FieldReport]:
        return published.reports_of(obj, FEED_LENGTH)

    def item_title(self, item: FieldReport) -> str:
        return item.title

    def item_description(self, item: FieldReport) -> str:
        return item.body

    def item_link(self, item: FieldReport) -> str:
        return published.public_url(item)

    def item_guid(self, item: FieldReport) -> str:
        return published.public_url(item)

    def item_pubdate(self, item: FieldReport) -> Any:
        return item.published_at

    def item_categories(self, item: FieldReport) -> list[str]:
        return [item.campaign.title]

    def item_extra_kwargs(self, item: FieldReport) -> dict[str, Any]:
        return {"point": f"{item.latitude} {item.longitude}"}


class AtomReportFeed(ReportFeed):
    feed_type = _GeoAtom
    kind = "atom"
