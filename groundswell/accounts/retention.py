"""Invitations hold the invited person's email address; once used, withdrawn or expired they
serve no purpose after a while (lib/retention.py). Listed sessions and known browsers are
the person's, not an organisation's: site-wide kinds."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from groundswell.lib.retention import DELETE, Counts, Kind, Work, register

from .models import Invitation
from .security_models import KnownDevice, StaffSession

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


# --- Site-wide: a person's sign-ins, which belong to no one organisation ---------------------


def _ended_sessions(*, dry: bool) -> Work:
    def work(organisation: Organisation | None, cutoff: datetime) -> Counts:
        from importlib import import_module

        from django.conf import settings

        # Asked of the session store, whichever it is: a listed session it no longer has
        # has ended (signed out, expired or ended from another browser).
        store = import_module(settings.SESSION_ENGINE).SessionStore
        old = StaffSession.objects.filter(signed_in_at__lt=cutoff)
        ended = [row.pk for row in old.iterator() if not store().exists(row.session_key)]
        rows = StaffSession.objects.filter(pk__in=ended)
        return {"listed sessions": rows.count() if dry else rows.delete()[0]}

    return work


def _known_devices(*, dry: bool) -> Work:
    def work(organisation: Organisation | None, cutoff: datetime) -> Counts:
        rows = KnownDevice.objects.filter(first_seen__lt=cutoff)
        return {"known browsers": rows.count() if dry else rows.delete()[0]}

    return work


register(
    Kind(
        name="accounts.staff_sessions",
        label=_("Ended staff sessions"),
        covers=_(
            "For each staff sign-in, the kind of browser and an approximate network (never "
            "the full address), listed so the person can sign it out; removed once it ended."
        ),
        default_days=1,
        does=DELETE,
        run=_ended_sessions(dry=False),
        count=_ended_sessions(dry=True),
        site_wide=True,
        order=25,
    )
)
register(
    Kind(
        name="accounts.known_devices",
        label=_("Browsers staff signed in from"),
        covers=_(
            "The kind of each browser a staff member has signed in from, and a hash of a "
            "random cookie it keeps, so that a sign-in from a new one can be emailed to them."
        ),
        default_days=400,
        does=DELETE,
        run=_known_devices(dry=False),
        count=_known_devices(dry=True),
        site_wide=True,
        order=26,
    )
)
