"""Invitations hold the invited person's email address; once used, withdrawn or expired they
serve no purpose after a while (lib/retention.py). Listed sessions and known browsers are
the person's, not an organisation's: site-wide kinds."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from groundswell.lib.retention import DELETE, Deleting, Kind, register

from .models import Invitation
from .security_models import KnownDevice, StaffSession

if TYPE_CHECKING:
    from .models import Organisation


def _finished(organisation: Organisation | None, cutoff: datetime) -> QuerySet[Invitation]:
    return Invitation.objects.filter(organisation=organisation).filter(
        Q(accepted_at__lt=cutoff) | Q(revoked_at__lt=cutoff) | Q(expires_at__lt=cutoff)
    )


register(
    Kind(
        name="accounts.invitations",
        label=_("Used and expired invitations"),
        covers=_("The email address a staff invitation was sent to, once it is used or over."),
        default_days=90,
        does=DELETE,
        run=Deleting("invitations", _finished).run,
        count=Deleting("invitations", _finished).count,
        order=80,
    )
)


# --- Site-wide: a person's sign-ins, which belong to no one organisation ---------------------


def _ended_sessions(organisation: Organisation | None, cutoff: datetime) -> QuerySet[StaffSession]:
    from importlib import import_module

    from django.conf import settings

    # Asked of the session store, whichever it is: a listed session it no longer has has
    # ended (signed out, expired or ended from another browser).
    store = import_module(settings.SESSION_ENGINE).SessionStore
    old = StaffSession.objects.filter(signed_in_at__lt=cutoff)
    ended = [row.pk for row in old.iterator() if not store().exists(row.session_key)]
    return StaffSession.objects.filter(pk__in=ended)


def _known_devices(organisation: Organisation | None, cutoff: datetime) -> QuerySet[KnownDevice]:
    return KnownDevice.objects.filter(first_seen__lt=cutoff)


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
        run=Deleting("listed sessions", _ended_sessions).run,
        count=Deleting("listed sessions", _ended_sessions).count,
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
        run=Deleting("known browsers", _known_devices).run,
        count=Deleting("known browsers", _known_devices).count,
        site_wide=True,
        order=26,
    )
)
