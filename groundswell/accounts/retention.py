"""Invitations hold the invited person's email address; once used, withdrawn or expired they
serve no purpose after a while (lib/retention.py)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from groundswell.lib.retention import DELETE, Counts, Kind, register

from .models import Invitation

if TYPE_CHECKING:
    from .models import Organisation


def _finished(organisation: Organisation | None, cutoff: datetime) -> QuerySet[Invitation]:
    return Invitation.objects.filter(organisation=organisation).filter(
        Q(accepted_at__lt=cutoff) | Q(revoked_at__lt=cutoff) | Q(expires_at__lt=cutoff)
    )


def count_finished(organisation: Organisation | None, cutoff: datetime) -> Counts:
    return {"invitations": _finished(organisation, cutoff).count()}


def delete_finished(organisation: Organisation | None, cutoff: datetime) -> Counts:
    return {"invitations": _finished(organisation, cutoff).delete()[0]}


register(
    Kind(
        name="accounts.invitations",
        label=_("Used and expired invitations"),
        covers=_("The email address a staff invitation was sent to, once it is used or over."),
        default_days=90,
        does=DELETE,
        run=delete_finished,
        count=count_finished,
        order=80,
    )
)
