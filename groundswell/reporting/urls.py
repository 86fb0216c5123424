from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("staff/<slug:org>/monthly-report/", views.monthly, name="monthly"),
    path("staff/<slug:org>/monthly-report.pdf", views.monthly_pdf, name="monthly_pdf"),
    path("o/<slug:org>/transparency/", views.transparency, name="transparency"),
]
