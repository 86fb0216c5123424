from django.urls import path

from . import cover_views, views

app_name = "campaigns"

urlpatterns = [
    path("staff/<slug:org>/campaigns/", views.staff_list, name="staff_list"),
    path("staff/<slug:org>/campaigns/new/", views.staff_new, name="staff_new"),
    path("staff/<slug:org>/campaigns/<int:campaign_id>/", views.staff_edit, name="staff_edit"),
    path(
        "staff/<slug:org>/campaigns/<int:campaign_id>/preview/",
        views.staff_preview,
        name="staff_preview",
    ),
    path(
        "staff/<slug:org>/campaigns/<int:campaign_id>/cover/region/",
        cover_views.staff_cover_region,
        name="staff_cover_region",
    ),
    path(
        "staff/<slug:org>/campaigns/<int:campaign_id>/cover/region/preview/",
        cover_views.staff_cover_region_preview,
        name="staff_cover_region_preview",
    ),
    path(
        "staff/campaign-covers/<int:campaign_id>/<str:size>/",
        views.staff_cover,
        name="staff_cover",
    ),
    path("o/<slug:org_slug>/campaigns/<slug:slug>/", views.detail, name="detail"),
]
