"""How long the time log is kept (lib/retention.py).

Time entries are staff data: who worked how long on what, on which day. They are kept two
years by default, long enough to compare a campaign with last year's; an owner may choose
between 90 days and six years. A running timer is not kept: it becomes an entry when it
stops. A person's daily budget lives as long as their membership. Deleting an account keeps
its entries without the person (the organisation's hours stay right); the entries then go
with their period like any other.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groundswell.lib.retention import DELETE, YEAR_DAYS, Deleting, Kind, register

from .models import TimeEntry

if TYPE_CHECKING:
    from groundswell.accounts.models import Organisation


def _old_entries(organisation: Organisation | None, cutoff: datetime) -> QuerySet[TimeEntry]:
    # By the day worked, not the day typed in: an entry added late for last year goes with
    # last year's.
    return TimeEntry.objects.filter(organisation=organisation, date__lt=timezone.localdate(cutoff))


register(
    Kind(
        name="timelog.entries",
        label=_("Staff time entries"),
        covers=_(
            "How many minutes each staff member spent on which social media work, campaign "
            "and day, from their timer or typed in by hand."
        ),
        default_days=2 * YEAR_DAYS,
        min_days=90,
        max_days=6 * YEAR_DAYS,
        does=DELETE,
        run=Deleting("time entries", _old_entries).run,
        count=Deleting("time entries", _old_entries).count,
        order=90,
    )
)
