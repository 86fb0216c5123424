from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [path("staff/<slug:org>/audit/", views.audit_log, name="log")]
