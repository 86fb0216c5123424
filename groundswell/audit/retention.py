"""How long the audit log is kept (lib/retention.py). Entries name the staff member who
acted and what they did; after the period they go, oldest first. The retention runs' own
entries age out like any other."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from groundswell.lib.retention import DELETE, YEAR_DAYS, Deleting, Kind, register

from .models import AuditEntry

if TYPE_CHECKING:
    from groundswell.accounts.models import Organisation


def _old(organisation: Organisation | None, cutoff: datetime) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(organisation=organisation, created_at__lt=cutoff)


register(
    Kind(
        name="audit.log",
        label=_("Audit log"),
        covers=_(
            "The record of what staff did and when, with the name of the staff member; "
            "it can mention a supporter's record by its number."
        ),
        default_days=6 * YEAR_DAYS,
        # An audit trail shorter than a year answers none of the questions it is kept for.
        min_days=YEAR_DAYS,
        max_days=20 * YEAR_DAYS,
        does=DELETE,
        run=Deleting("audit entries", _old).run,
        count=Deleting("audit entries", _old).count,
        order=90,
    )
)
