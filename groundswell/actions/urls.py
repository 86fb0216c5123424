from django.urls import path

from . import staff_views, views

app_name = "actions"

urlpatterns = [
    path("o/<slug:org_slug>/petitions/<int:petition_id>/", views.petition_page, name="petition"),
    path("o/<slug:org_slug>/petitions/<int:petition_id>/sign/", views.sign, name="sign"),
    path(
        "o/<slug:org_slug>/petitions/<int:petition_id>/thanks/<str:token>/",
        views.thanks,
        name="thanks",
    ),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("staff/<slug:org>/petitions/", views.staff_list, name="staff_list"),
    path("staff/<slug:org>/petitions/new/", views.staff_new, name="staff_new"),
    path("staff/<slug:org>/petitions/<int:petition_id>/", views.staff_edit, name="staff_edit"),
    path(
        "staff/<slug:org>/petitions/<int:petition_id>/updates/",
        views.staff_update,
        name="staff_update",
    ),
    path(
        "staff/<slug:org>/petitions/<int:petition_id>/updates/<int:update_id>/safety/",
        views.staff_update_safety,
        name="staff_update_safety",
    ),
    path(
        "staff/<slug:org>/petitions/<int:petition_id>/signals/",
        staff_views.staff_signals,
        name="staff_signals",
    ),
    path(
        "staff/<slug:org>/petitions/<int:petition_id>/challenge/",
        staff_views.staff_challenge,
        name="staff_challenge",
    ),
]
