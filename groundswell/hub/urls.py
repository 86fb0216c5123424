from django.conf import settings
from django.contrib.sitemaps.views import sitemap
from django.urls import path, re_path
from django.views.static import serve

from . import feeds, views
from .sitemaps import SITEMAPS

app_name = "hub"

campaign = "o/<slug:org_slug>/campaigns/<slug:campaign_slug>/"
urlpatterns = [
    path("", views.index, name="index"),
    # Uploaded media. `serve` (granian) answers /media/ itself before Django sees it; this
    # route is what the test server and `runserver` use.
    re_path(r"^media/(?P<path>.+)$", serve, {"document_root": settings.MEDIA_ROOT}, name="media"),
    path("robots.txt", views.robots, name="robots"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("o/<slug:org_slug>/", views.organisation, name="organisation"),
    path("o/<slug:org_slug>/feed.rss", feeds.StoryFeed(), name="feed_rss"),
    path("o/<slug:org_slug>/feed.atom", feeds.AtomStoryFeed(), name="feed_atom"),
    path("o/<slug:org_slug>/feed.json", feeds.json_feed, name="feed_json"),
    path(campaign + "feed.rss", feeds.StoryFeed(), name="campaign_feed_rss"),
    path(campaign + "feed.atom", feeds.AtomStoryFeed(), name="campaign_feed_atom"),
    path(campaign + "feed.json", feeds.json_feed, name="campaign_feed_json"),
]
