"""What someone wrote when reporting something shown on our pages, and for how long
(lib/retention.py). The items themselves go with their content, by the content's own kind
(a fediverse reply: federation/retention.py); a report has done its work once a moderator
has decided about its item after it came, and is kept for the period after that decision."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import F, QuerySet
from django.utils.translation import gettext_lazy as _

from groundswell.lib.retention import DELETE, Deleting, Kind, register

from .models import Report

if TYPE_CHECKING:
    from groundswell.accounts.models import Organisation


def _settled(organisation: Organisation | None, cutoff: datetime) -> QuerySet[Report]:
    return Report.objects.filter(
        item__organisation=organisation,
        item__decided_at__lt=cutoff,
        item__decided_at__gt=F("created_at"),
    )


register(
    Kind(
        name="moderation.reports",
        label=_("Reports of what we show"),
        covers=_(
            "What someone wrote, and in which language, when they reported something shown "
            "on our pages, once a moderator has decided about it."
        ),
        default_days=90,
        min_days=7,
        does=DELETE,
        run=Deleting("reports", _settled).run,
        count=Deleting("reports", _settled).count,
        order=65,
    )
)
