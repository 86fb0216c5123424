"""What volunteering keeps about people, and for how long (lib/retention.py).

A sign-up holds the volunteer's name, email, phone and what they bring: needed until the
shift is over, and for a while after (who came, for thanks and for insurance questions).
Deleted once the shift ended longer ago than the period; the counts already rolled up in
analytics stay, anonymous.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from groundswell.lib.retention import DELETE, Deleting, Kind, register

from .models import Signup

if TYPE_CHECKING:
    from groundswell.accounts.models import Organisation


def _over(organisation: Organisation | None, cutoff: datetime) -> QuerySet[Signup]:
    return Signup.objects.filter(organisation=organisation, shift__ends_at__lt=cutoff)


signups = Deleting("volunteer sign-ups", _over)

register(
    Kind(
        name="volunteers.signups",
        label=_("volunteer sign-ups"),
        covers=_(
            "The name, email address, phone number and skills or resources of each person "
            "who signed up for a volunteer shift, and whether they came; kept until this "
            "long after the shift ended."
        ),
        default_days=180,
        min_days=7,
        does=DELETE,
        run=signups.run,
        count=signups.count,
        order=70,
    )
)
