"""How long the outcome ledger is kept (lib/retention.py).

Ledger entries are the organisation's record of what its campaigns achieved; the personal
data in them is the name of the staff member who entered one, and any decision-maker the
words name (people in public office, as the petition's target already is). Kept six years
by default, as the audit log; an owner may choose between one and ten. Deleting an account
keeps its entries without the name (`created_by` set to NULL).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groundswell.lib.retention import DELETE, YEAR_DAYS, Deleting, Kind, register

from .models import LedgerEntry

if TYPE_CHECKING:
    from groundswell.accounts.models import Organisation


def _old_entries(organisation: Organisation | None, cutoff: datetime) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(
        organisation=organisation, happened_on__lt=timezone.localdate(cutoff)
    )


register(
    Kind(
        name="ledger.entries",
        label=_("Outcome ledger entries"),
        covers=_(
            "What each campaign asked, delivered and got back, with the name of the staff "
            "member who entered it and any decision-maker it names."
        ),
        default_days=6 * YEAR_DAYS,
        min_days=YEAR_DAYS,
        max_days=10 * YEAR_DAYS,
        does=DELETE,
        run=Deleting("ledger entries", _old_entries).run,
        count=Deleting("ledger entries", _old_entries).count,
        order=95,
    )
)
