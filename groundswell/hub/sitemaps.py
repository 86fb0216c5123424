from typing import Any

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from groundswell.accounts.models import Organisation
from groundswell.campaigns.models import Campaign
from groundswell.stories.models import Story


class OrganisationSitemap(Sitemap):
    changefreq = "daily"

    def items(self) -> Any:
        return Organisation.objects.public().order_by("pk")

    def location(self, item: Organisation) -> str:
        return reverse("hub:organisation", args=[item.slug])


class CampaignSitemap(Sitemap):
    changefreq = "daily"

    def items(self) -> Any:
        return Campaign.objects.public().order_by("pk")

    def lastmod(self, item: Campaign) -> Any:
        return item.updated_at


class StorySitemap(Sitemap):
    changefreq = "weekly"

    def items(self) -> Any:
        return Story.objects.published().order_by("pk")

    def lastmod(self, item: Story) -> Any:
        return item.updated_at


SITEMAPS = {
    "organisations": OrganisationSitemap,
    "campaigns": CampaignSitemap,
    "stories": StorySitemap,
}
