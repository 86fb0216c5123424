from django.urls import path

from . import views

app_name = "fraud"

urlpatterns = [
    path("staff/<slug:org>/trends/", views.trends, name="trends"),
    path("staff/<slug:org>/trends/email/", views.alert_email, name="alert_email"),
    path("staff/<slug:org>/trends/<int:trend_id>/", views.trend, name="trend"),
    path("staff/<slug:org>/invalidations/", views.batches, name="batches"),
    path("staff/<slug:org>/invalidations/new/", views.invalidate, name="invalidate"),
    path("staff/<slug:org>/invalidations/<int:batch_id>/", views.batch, name="batch"),
    path("staff/<slug:org>/invalidations/<int:batch_id>/undo/", views.undo, name="undo"),
]
