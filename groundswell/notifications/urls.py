from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [path("staff/<slug:org>/outbox/", views.outbox, name="outbox")]
