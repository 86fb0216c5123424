from django.urls import path

from . import staff_views, views

app_name = "ideas"

urlpatterns = [
    path("o/<slug:org_slug>/ideas/", views.challenges, name="challenges"),
    path("o/<slug:org_slug>/ideas/<int:challenge_id>/", views.challenge, name="challenge"),
    path("o/<slug:org_slug>/ideas/sent/<slug:what>/", views.sent, name="sent"),
    path("o/<slug:org_slug>/idea/<int:idea_id>/", views.idea_page, name="idea"),
    path("o/<slug:org_slug>/idea/<int:idea_id>/vote/", views.vote, name="vote"),
    path("o/<slug:org_slug>/idea/<int:idea_id>/voted/<slug:token>/", views.voted, name="voted"),
    path("o/<slug:org_slug>/idea/<int:idea_id>/comment/", views.comment, name="comment"),
    path("o/<slug:org_slug>/idea/<int:idea_id>/pledge/", views.pledge, name="pledge"),
    path("ideas/confirm/<str:token>/", views.confirm, name="confirm"),
    path("staff/<slug:org>/ideas/", staff_views.challenges, name="staff_challenges"),
    path("staff/<slug:org>/ideas/new/", staff_views.new_challenge, name="staff_new"),
    path(
        "staff/<slug:org>/ideas/<int:challenge_id>/",
        staff_views.edit_challenge,
        name="staff_challenge",
    ),
    path("staff/<slug:org>/ideas/idea/<int:idea_id>/", staff_views.idea, name="staff_idea"),
]
