from django.urls import path

from . import staff_views, views

app_name = "analytics"

base = "staff/<slug:org>/analytics/"
campaign = base + "campaigns/<int:campaign_id>/"
urlpatterns = [
    path(base, staff_views.organisation, name="organisation"),
    path(base + "<slug:table>.csv", staff_views.organisation_csv, name="organisation_csv"),
    path(campaign, staff_views.campaign, name="campaign"),
    path(campaign + "<slug:table>.csv", staff_views.campaign_csv, name="campaign_csv"),
    # The share buttons go through here: counted, then on to the network's share page.
    path(
        "o/<slug:org_slug>/petitions/<int:petition_id>/share/<slug:channel>/<str:token>/",
        views.share_petition,
        name="share_petition",
    ),
    path(
        "o/<slug:org_slug>/donate/<slug:campaign_slug>/share/<slug:channel>/<str:token>/",
        views.share_gift,
        name="share_gift",
    ),
    path(
        "o/<slug:org_slug>/events/<int:event_id>/share/<slug:channel>/<str:token>/",
        views.share_event,
        name="share_event",
    ),
    path(
        "o/<slug:org_slug>/volunteer/<int:need_id>/share/<slug:channel>/<str:token>/",
        views.share_need,
        name="share_need",
    ),
    path(
        "o/<slug:org_slug>/idea/<int:idea_id>/share/<slug:channel>/<str:token>/",
        views.share_idea,
        name="share_idea",
    ),
    path(
        "o/<slug:org_slug>/stories/<slug:slug>/share/<slug:channel>/",
        views.share_story,
        name="share_story",
    ),
]
