from django.urls import path

from . import feeds, staff_views, views

app_name = "fieldreports"

public = "o/<slug:org_slug>/reports/"
staff = "staff/<slug:org>/reports/"

urlpatterns = [
    path(public + "new/<slug:campaign_slug>/", views.new, name="new"),
    path(public + "sent/", views.sent, name="sent"),
    path(public, views.report_list, name="list"),
    path(public + "map.svg", views.map_svg, name="map"),
    path(public + "feed.rss", feeds.ReportFeed(), name="feed_rss"),
    path(public + "feed.atom", feeds.AtomReportFeed(), name="feed_atom"),
    path(public + "<int:report_id>/photo/", views.photo, name="photo"),
    path(public + "<int:report_id>/photo/small/", views.photo_small, name="photo_small"),
    path("o/<slug:org_slug>/reports.geojson", views.geojson, name="geojson"),
    path("o/<slug:org_slug>/reports.csv", views.csv_file, name="csv"),
    path(staff, staff_views.report_list, name="staff_list"),
    path(staff + "setup/", staff_views.setup, name="staff_setup"),
    path(staff + "<int:report_id>/", staff_views.report_detail, name="staff_detail"),
    path(
        staff + "<int:report_id>/photo/<str:size>/",
        staff_views.report_photo,
        name="staff_photo",
    ),
    path(
        staff + "<int:report_id>/photo-region/",
        staff_views.photo_region,
        name="staff_photo_region",
    ),
    path(
        staff + "<int:report_id>/photo-region/preview/",
        staff_views.photo_region_preview,
        name="staff_photo_region_preview",
    ),
    path(
        staff + "<int:report_id>/contact/forget/",
        staff_views.forget_contact,
        name="staff_forget_contact",
    ),
]
