"""What events keep about people, and for how long (lib/retention.py).

An RSVP (name, email, language, where they came from, whether they came) is needed until
the event is over and the organisers have followed up: deleted this long after the event
ended. The counts rolled up into the analytics stay, anonymous.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from groundswell.lib.retention import DELETE, Deleting, Kind, register

from .models import Attendance

if TYPE_CHECKING:
    from groundswell.accounts.models import Organisation


def _past(organisation: Organisation | None, cutoff: datetime) -> QuerySet[Attendance]:
    return Attendance.objects.filter(organisation=organisation, event__ends_at__lt=cutoff)


attendances = Deleting("RSVPs", _past)

register(
    Kind(
        name="events.attendances",
        label=_("event RSVPs"),
        covers=_(
            "The name and email given to come to an event, and whether the person came: "
            "kept until this long after the event ended."
        ),
        default_days=90,
        min_days=1,
        does=DELETE,
        run=attendances.run,
        count=attendances.count,
        order=64,
    )
)
