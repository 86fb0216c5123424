from django.urls import path

from . import image_views, views

app_name = "stories"

base = "staff/<slug:org>/stories/<int:story_id>/"
urlpatterns = [
    path("staff/<slug:org>/stories/", views.staff_list, name="staff_list"),
    path("staff/<slug:org>/stories/new/", views.staff_new, name="staff_new"),
    path("staff/<slug:org>/approvals/", views.approvals, name="approvals"),
    path(base, views.staff_edit, name="staff_edit"),
    path(base + "state/", views.staff_transition, name="staff_transition"),
    path(base + "images/", views.staff_image_add, name="staff_image_add"),
    path(
        base + "images/<int:image_id>/remove/", views.staff_image_remove, name="staff_image_remove"
    ),
    path(base + "images/<int:image_id>/cover/", views.staff_image_cover, name="staff_image_cover"),
    path(
        base + "images/<int:image_id>/region/",
        image_views.staff_image_region,
        name="staff_image_region",
    ),
    path(
        base + "images/<int:image_id>/region/preview/",
        image_views.staff_image_region_preview,
        name="staff_image_region_preview",
    ),
    path(base + "revisions/", views.staff_revisions, name="staff_revisions"),
    path(base + "preview/", views.staff_preview, name="staff_preview"),
    path(base + "safety/", views.staff_safety, name="staff_safety"),
    path("staff/images/<int:image_id>/<str:size>/", views.staff_image, name="staff_image"),
    path("o/<slug:org_slug>/stories/<slug:slug>/", views.detail, name="detail"),
]
