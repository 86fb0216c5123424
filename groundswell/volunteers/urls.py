from django.urls import path

from . import staff_views, views

app_name = "volunteers"

urlpatterns = [
    path("o/<slug:org_slug>/volunteer/<int:need_id>/", views.need_page, name="need"),
    path("o/<slug:org_slug>/volunteer/<int:need_id>/sign-up/", views.sign_up, name="sign_up"),
    path(
        "o/<slug:org_slug>/volunteer/<int:need_id>/thanks/<slug:token>/",
        views.thanks,
        name="thanks",
    ),
    path("o/<slug:org_slug>/volunteering/<slug:token>/", views.signup_page, name="signup"),
    path("staff/<slug:org>/volunteers/", staff_views.needs, name="staff_needs"),
    path("staff/<slug:org>/volunteers/<int:need_id>/", staff_views.need, name="staff_need"),
    path(
        "staff/<slug:org>/volunteers/<int:need_id>/status/",
        staff_views.need_status,
        name="staff_need_status",
    ),
    path("staff/<slug:org>/volunteers/<int:need_id>/day/", staff_views.day, name="staff_day"),
    path(
        "staff/<slug:org>/volunteers/<int:need_id>/day.csv",
        staff_views.day_csv,
        name="staff_day_csv",
    ),
    path(
        "staff/<slug:org>/volunteers/signups/<int:signup_id>/check-in/",
        staff_views.check_in,
        name="staff_check_in",
    ),
]
