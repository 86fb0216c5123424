from django.urls import path

from . import views

app_name = "syndication"

urlpatterns = [
    path("staff/<slug:org>/channels/", views.accounts, name="accounts"),
    path("staff/<slug:org>/channels/timeline/", views.timeline, name="timeline"),
    path(
        "staff/<slug:org>/channels/<int:account_id>/disconnect/",
        views.disconnect,
        name="disconnect",
    ),
    path("staff/<slug:org>/stories/<int:story_id>/posts/", views.schedule, name="schedule"),
    path("staff/<slug:org>/calendar/", views.calendar, name="calendar"),
    path("staff/<slug:org>/calendar/<int:post_id>/retry/", views.retry, name="retry"),
    path("staff/<slug:org>/calendar/<int:post_id>/cancel/", views.cancel, name="cancel"),
    path("staff/<slug:org>/calendar/<int:post_id>/approve/", views.approve, name="approve"),
    path("staff/<slug:org>/calendar/<int:post_id>/safety/", views.post_safety, name="safety"),
]
