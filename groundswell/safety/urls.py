from django.urls import path

from . import views

app_name = "safety"

urlpatterns = [
    path("staff/<slug:org>/public-figures/", views.allowlist, name="allowlist"),
]
