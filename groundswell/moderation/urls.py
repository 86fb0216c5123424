from django.urls import path

from . import staff_views, views

app_name = "moderation"

STAFF = "staff/<slug:org>/moderation/"
urlpatterns = [
    path("o/<slug:org_slug>/report/<int:item_id>/", views.report, name="report"),
    path("o/<slug:org_slug>/report/thanks/", views.reported, name="reported"),
    path(STAFF, staff_views.queue, name="queue"),
    path(f"{STAFF}phrases/", staff_views.phrases, name="phrases"),
    path(f"{STAFF}phrases/<int:phrase_id>/release/", staff_views.release, name="release"),
    path(f"{STAFF}<int:item_id>/", staff_views.item, name="item"),
    path(f"{STAFF}<int:item_id>/<str:verb>/", staff_views.decide, name="decide"),
]
