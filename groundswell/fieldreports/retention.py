"""What reports keep about people, and for how long (lib/retention.py).

A reporter's contact details are kept only while a report may still need checking with
them: half a year by default. A rejected report (its words and photo, which may show
people) goes a quarter after the decision; its moderation item follows the queue's own
schedule. Published reports are public content and stay until staff take them down.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from groundswell.lib.retention import DELETE, Counts, Deleting, Kind, register

from .models import FieldReport, ReporterContact, ReportState
from .services import delete_files

if TYPE_CHECKING:
    from groundswell.accounts.models import Organisation


def _contacts(organisation: Organisation | None, cutoff: datetime) -> QuerySet[ReporterContact]:
    return ReporterContact.objects.filter(organisation=organisation, created_at__lt=cutoff)


def _rejected(organisation: Organisation | None, cutoff: datetime) -> QuerySet[FieldReport]:
    return FieldReport.objects.filter(
        organisation=organisation, state=ReportState.REJECTED, decided_at__lt=cutoff
    )


def delete_rejected(organisation: Organisation | None, cutoff: datetime) -> Counts:
    with transaction.atomic():
        rows = list(_rejected(organisation, cutoff))
        names = [name for report in rows for name in report.photo_names()]
        # The count of reports alone: their contacts go with them (a cascade, counted apart).
        _total, per_model = FieldReport.objects.filter(pk__in=[r.pk for r in rows]).delete()
        deleted = per_model.get(FieldReport._meta.label, 0)
        delete_files(names)
    return {"reports": deleted}


def count_rejected(organisation: Organisation | None, cutoff: datetime) -> Counts:
    return {"reports": _rejected(organisation, cutoff).count()}


contacts = Deleting("reporters' contact details", _contacts)

register(
    Kind(
        name="fieldreports.contacts",
        label=_("reporters' contact details"),
        covers=_(
            "The name, email or phone number someone gave with a report from the ground, "
            "kept apart from the report and seen only by owners and safety officers."
        ),
        default_days=180,
        min_days=7,
        does=DELETE,
        run=contacts.run,
        count=contacts.count,
        order=70,
    )
)
register(
    Kind(
        name="fieldreports.rejected",
        label=_("rejected reports from the ground"),
        covers=_(
            "The words, blurred place and photo of a report from the ground that was not "
            "published, counted from the decision."
        ),
        default_days=90,
        min_days=7,
        does=DELETE,
        run=delete_rejected,
        count=count_rejected,
        order=71,
    )
)
