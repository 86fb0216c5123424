from django.urls import path

from . import consent_views, staff_views, views

app_name = "events"

urlpatterns = [
    path("o/<slug:org_slug>/events/", views.upcoming, name="upcoming"),
    path("o/<slug:org_slug>/events.ics", views.organisation_ics, name="organisation_ics"),
    path(
        "o/<slug:org_slug>/campaigns/<slug:slug>/events.ics",
        views.campaign_ics,
        name="campaign_ics",
    ),
    path("o/<slug:org_slug>/events/<int:event_id>/", views.detail, name="detail"),
    path("o/<slug:org_slug>/events/<int:event_id>/rsvp/", views.rsvp, name="rsvp"),
    path("o/<slug:org_slug>/events/<int:event_id>/event.ics", views.event_ics, name="ics"),
    path(
        "o/<slug:org_slug>/events/<int:event_id>/thanks/<slug:token>/",
        views.thanks,
        name="thanks",
    ),
    path("o/<slug:org_slug>/rsvp/<slug:token>/", views.attendance, name="attendance"),
    path("o/<slug:org_slug>/rsvp/<slug:token>/cancel/", views.cancel, name="cancel"),
    path(
        "o/<slug:org_slug>/rsvp/<slug:token>/updates/",
        consent_views.confirm_updates,
        name="confirm_updates",
    ),
    path("staff/<slug:org>/events/", staff_views.staff_list, name="staff_list"),
    path("staff/<slug:org>/events/new/", staff_views.staff_new, name="staff_new"),
    path("staff/<slug:org>/events/<int:event_id>/", staff_views.staff_edit, name="staff_edit"),
    path(
        "staff/<slug:org>/events/<int:event_id>/cancel/",
        staff_views.staff_cancel,
        name="staff_cancel",
    ),
    path(
        "staff/<slug:org>/events/<int:event_id>/attendees/",
        staff_views.staff_attendees,
        name="staff_attendees",
    ),
    path(
        "staff/<slug:org>/events/<int:event_id>/attendees.csv",
        staff_views.staff_attendees_csv,
        name="staff_attendees_csv",
    ),
]
