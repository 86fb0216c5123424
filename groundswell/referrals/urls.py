from django.urls import path

from . import views

app_name = "referrals"

urlpatterns = [
    path("share/mastodon/", views.mastodon, name="mastodon"),
    path("me/<str:token>/", views.impact, name="impact"),
    path("staff/<slug:org>/evangelists/", views.evangelists, name="evangelists"),
    path(
        "o/<slug:org_slug>/campaigns/<slug:campaign_slug>/leaderboard/",
        views.leaderboard,
        name="leaderboard",
    ),
]
