from django.urls import path

from . import views

app_name = "timelog"

urlpatterns = [
    path("staff/<slug:org>/time/", views.home, name="home"),
    path("staff/<slug:org>/time/timer/start/", views.timer_start, name="timer_start"),
    path("staff/<slug:org>/time/timer/stop/", views.timer_stop, name="timer_stop"),
    path("staff/<slug:org>/time/entries/new/", views.entry_new, name="entry_new"),
    path("staff/<slug:org>/time/entries/<int:entry_id>/", views.entry, name="entry"),
    path(
        "staff/<slug:org>/time/entries/<int:entry_id>/delete/",
        views.entry_delete,
        name="entry_delete",
    ),
    path("staff/<slug:org>/time/budget/", views.budget, name="budget"),
    path("staff/<slug:org>/time/week/", views.week, name="week"),
    path("staff/<slug:org>/time/team/", views.team, name="team"),
    path("staff/<slug:org>/time/time-log.csv", views.export, name="export"),
    path("staff/<slug:org>/impact/", views.impact, name="impact"),
]
