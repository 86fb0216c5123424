from django.urls import path

from . import views

app_name = "retention"

urlpatterns = [
    path("o/<slug:org_slug>/privacy/", views.privacy, name="privacy"),
    path("staff/<slug:org>/retention/", views.schedule, name="schedule"),
]
