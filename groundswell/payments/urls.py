from django.urls import path

from . import staff_views, views

app_name = "payments"

urlpatterns = [
    path("o/<slug:org_slug>/donate/<slug:campaign_slug>/", views.donate, name="donate"),
    path("o/<slug:org_slug>/donations/<slug:token>/", views.donation, name="donation"),
    path(
        "o/<slug:org_slug>/donations/<slug:token>/state.json",
        views.donation_state,
        name="donation_state",
    ),
    path("o/<slug:org_slug>/donations/<slug:token>/thanks/", views.thanks, name="thanks"),
    path("o/<slug:org_slug>/pledge/<slug:campaign_slug>/", views.pledge, name="pledge"),
    path("o/<slug:org_slug>/pledges/<slug:token>/", views.pledge_page, name="pledge_page"),
    path("payments/<slug:provider>/webhook/<slug:org_slug>/", views.webhook, name="webhook"),
    path("staff/<slug:org>/donations/", staff_views.donations, name="staff_donations"),
    path("staff/<slug:org>/donations/gift-aid/", staff_views.gift_aid, name="staff_gift_aid"),
    path("staff/<slug:org>/donations/providers/", staff_views.accounts, name="staff_accounts"),
    path(
        "staff/<slug:org>/donations/campaigns/<int:campaign_id>/",
        staff_views.appeal,
        name="staff_appeal",
    ),
]
