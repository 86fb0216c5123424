from datetime import datetime

from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from groundswell.accounts.models import Organisation
from groundswell.campaigns.models import Campaign
from groundswell.stories.models import Story


class OrganisationSitemap(Sitemap[Organisation]):
    changefreq = "daily"

    def items(self) -> QuerySet[Organisation]:
        return Organisation.objects.public().order_by("pk")

    def location(self, item: Organisation) -> str:
        return reverse("hub:organisation", args=[item.slug])


class CampaignSitemap(Sitemap[Campaign]):
    changefreq = "daily"

    def items(self) -> QuerySet[Campaign]:
        return Campaign.objects.public().order_by("pk")

    def lastmod(self, item: Campaign) -> datetime:
        return item.updated_at


class StorySitemap(Sitemap[Story]):
    changefreq = "weekly"

    def items(self) -> QuerySet[Story]:
        return Story.objects.published().order_by("pk")

    def lastmod(self, item: Story) -> datetime:
        return item.updated_at


SITEMAPS = {
    "organisations": OrganisationSitemap,
    "campaigns": CampaignSitemap,
    "stories": StorySitemap,
}
