from django.conf import settings
from django.contrib.sitemaps.views import sitemap
from django.urls import path, re_path

from . import feeds, staff_views, views
from .sitemaps import SITEMAPS

app_name = "hub"

campaign = "o/<slug:org_slug>/campaigns/<slug:campaign_slug>/"
urlpatterns = [
    path("", views.index, name="index"),
    # Uploaded media. Under `serve`, lib.media.front answers /media/ before Django sees it;
    # this route serves it for `runserver` and the test client.
    re_path(r"^media/(?P<path>.+)$", views.media, name="media"),
    path("robots.txt", views.robots, name="robots"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("o/<slug:org_slug>/", views.organisation, name="organisation"),
    # After accounts' staff/switch/ and staff/new-organisation/, which would match as slugs.
    path("staff/<slug:org>/", staff_views.dashboard, name="dashboard"),
    path("o/<slug:org_slug>/feed.rss", feeds.StoryFeed(), name="feed_rss"),
    path("o/<slug:org_slug>/feed.atom", feeds.AtomStoryFeed(), name="feed_atom"),
    path("o/<slug:org_slug>/feed.json", feeds.json_feed, name="feed_json"),
    path(campaign + "feed.rss", feeds.StoryFeed(), name="campaign_feed_rss"),
    path(campaign + "feed.atom", feeds.AtomStoryFeed(), name="campaign_feed_atom"),
    path(campaign + "feed.json", feeds.json_feed, name="campaign_feed_json"),
]

if settings.BENCH_CEILING:
    from . import bench

    urlpatterns.append(path("bench/insert/", bench.bare_insert, name="bench_insert"))
