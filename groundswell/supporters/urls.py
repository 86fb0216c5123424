from django.urls import path

from . import staff_views, views

app_name = "supporters"

urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("me/<str:token>/my-data.json", views.own_data, name="own_data"),
    path("me/<str:token>/erase/", views.erase_self, name="erase_self"),
    path("staff/<slug:org>/supporters/", staff_views.staff_list, name="staff_list"),
    path("staff/<slug:org>/supporters/export.csv", staff_views.export_csv, name="staff_export"),
    path(
        "staff/<slug:org>/supporters/<int:supporter_id>/",
        staff_views.staff_detail,
        name="staff_detail",
    ),
    path(
        "staff/<slug:org>/supporters/<int:supporter_id>/export.json",
        staff_views.export_json,
        name="staff_export_json",
    ),
    path(
        "staff/<slug:org>/supporters/<int:supporter_id>/erase/",
        staff_views.staff_erase,
        name="staff_erase",
    ),
]
