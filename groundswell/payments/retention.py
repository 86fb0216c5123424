"""What giving keeps about people, and for how long (lib/retention.py).

Gifts never paid: the name and address someone typed before they left the payment page;
deleted after a month (the providers' checkouts expire within a day).

Gifts received: the accounts of a charity, and every Gift Aid claim, must be kept: HMRC asks
for Gift Aid records for 6 years after the end of the accounting period they belong to. So
no owner may choose less than 6 years, and the default is 7 (the end of the period plus 6).
After that the donor's name and email are cleared; amounts and dates stay, anonymous, in
the totals.

Notifications from the providers (webhooks) carry the donor's name and email as the
provider knows them: their contents are cleared once applied, and the rows (the event ids
that make a repeat harmless) deleted after a month.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Max, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from groundswell.lib.retention import ANONYMISE, DELETE, YEAR_DAYS, Counts, Deleting, Kind, register

from .models import Donation, DonationState, EventState, Pledge, ProviderEvent
from .privacy import strip
from .workflow import NOT_PAID

if TYPE_CHECKING:
    from groundswell.accounts.models import Organisation


def _unpaid(organisation: Organisation | None, cutoff: datetime) -> QuerySet[Donation]:
    return Donation.objects.filter(
        organisation=organisation,
        state__in=NOT_PAID,
        payments__isnull=True,
        created_at__lt=cutoff,
    )


def _received(organisation: Organisation | None, cutoff: datetime) -> QuerySet[Donation]:
    """Gifts whose last payment (or, with none, their start) is older than the cutoff, and
    not a monthly gift still running."""
    return (
        Donation.objects.filter(organisation=organisation, anonymised_at__isnull=True)
        .exclude(state__in=NOT_PAID)
        .exclude(state=DonationState.ACTIVE)
        .annotate(last=Max("payments__paid_at"))
        .filter(Q(last__lt=cutoff) | Q(last__isnull=True, created_at__lt=cutoff))
    )


def _events(organisation: Organisation | None, cutoff: datetime) -> QuerySet[ProviderEvent]:
    return ProviderEvent.objects.filter(organisation=organisation, received_at__lt=cutoff).exclude(
        state=EventState.RECEIVED
    )


def strip_received(organisation: Organisation | None, cutoff: datetime) -> Counts:
    ids = list(_received(organisation, cutoff).values_list("pk", flat=True))
    return {"donations": strip(Donation.objects.filter(pk__in=ids))}


def count_received(organisation: Organisation | None, cutoff: datetime) -> Counts:
    return {"donations": _received(organisation, cutoff).count()}


def _pledges(organisation: Organisation | None, cutoff: datetime) -> QuerySet[Pledge]:
    """Pledges whose reminder day is older than the cutoff (kept, withdrawn or forgotten)."""
    return Pledge.objects.filter(organisation=organisation, remind_on__lt=cutoff.date())


unpaid = Deleting("donations", _unpaid)
pledges = Deleting("pledges", _pledges)
events = Deleting("webhook events", _events)

register(
    Kind(
        name="payments.unpaid",
        label=_("donations never paid"),
        covers=_("The name and email typed into a donation form when no payment followed."),
        default_days=30,
        min_days=2,
        does=DELETE,
        run=unpaid.run,
        count=unpaid.count,
        order=60,
    )
)
register(
    Kind(
        name="payments.records",
        label=_("donations received"),
        covers=_(
            "Who gave how much and when. The law keeps these records (UK: Gift Aid records "
            "for 6 years after the accounting period), with only the donor's name, and no "
            "email, once the donor asks to be erased; after this period the name goes too."
        ),
        default_days=7 * YEAR_DAYS,
        min_days=6 * YEAR_DAYS,
        does=ANONYMISE,
        run=strip_received,
        count=count_received,
        order=61,
    )
)
register(
    Kind(
        name="payments.events",
        label=_("payment providers' notifications"),
        covers=_(
            "Notices from the payment provider about a payment; their contents are cleared "
            "as soon as they are applied, their ids kept to recognise a repeat."
        ),
        default_days=30,
        min_days=7,
        does=DELETE,
        run=events.run,
        count=events.count,
        order=62,
    )
)
register(
    Kind(
        name="payments.pledges",
        label=_("pledges"),
        covers=_(
            "A promise of money or time: the name, email and what was promised, kept until "
            "this long after the day we were to remind the person."
        ),
        default_days=180,
        min_days=30,
        does=DELETE,
        run=pledges.run,
        count=pledges.count,
        order=63,
    )
)
