"""Emails kept in the database instead of sent (the demo's outbox, backends.py), and for how
long (lib/retention.py): each holds a supporter's address and what they were told."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from groundswell.lib.retention import DELETE, Deleting, Kind, register

from .models import OutboxMessage

if TYPE_CHECKING:
    from groundswell.accounts.models import Organisation


def _old(organisation: Organisation | None, cutoff: datetime) -> QuerySet[OutboxMessage]:
    # None: account mail (password resets, invitations), which belongs to no organisation.
    return OutboxMessage.objects.filter(organisation=organisation, created_at__lt=cutoff)


register(
    Kind(
        name="notifications.outbox",
        label=_("Emails kept in the outbox"),
        covers=_(
            "Copies of the emails sent to supporters, kept in the staff outbox where this "
            "site keeps mail instead of sending it (a demonstration or a trial)."
        ),
        default_days=30,
        does=DELETE,
        run=Deleting("emails", _old).run,
        count=Deleting("emails", _old).count,
        order=70,
    )
)
register(
    Kind(
        name="notifications.account_outbox",
        label=_("Account emails kept in the outbox"),
        covers=_("Copies of sign-in, password reset and invitation emails kept instead of sent."),
        default_days=7,
        does=DELETE,
        run=Deleting("emails", _old).run,
        count=Deleting("emails", _old).count,
        site_wide=True,
        order=40,
    )
)
