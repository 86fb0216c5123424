from django.urls import path

from . import views

app_name = "ledger"

urlpatterns = [
    path("staff/<slug:org>/ledger/", views.ledger, name="list"),
    path("staff/<slug:org>/ledger/new/", views.entry_new, name="entry_new"),
    path("staff/<slug:org>/ledger/<int:ledger_entry_id>/", views.entry, name="entry"),
    path(
        "staff/<slug:org>/ledger/<int:ledger_entry_id>/delete/",
        views.entry_delete,
        name="entry_delete",
    ),
    path("staff/<slug:org>/ledger/<int:ledger_entry_id>/report/", views.report, name="report"),
]
