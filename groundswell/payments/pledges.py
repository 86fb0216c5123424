"""Pledges: a promise of money or time, kept later.

The form stores the promise with one INSERT. On the chosen day `remind_due` (periodic, in
the worker) emails the person a link to their pledge's page: for money, a button that turns
the pledge into a donation of the amount promised (the donation's own flow from there); for
time, a button to say it is done. Either kind can be withdrawn from the same page. A money
pledge is kept once its donation is paid (events.py marks it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from groundswell.lib import leases, worklog
from groundswell.notifications.services import queue_email

from . import money
from .models import Appeal, Donation, Pledge, PledgeKind, PledgeState
from .services import DonationRequest, take_donation

BATCH = 200
OPEN = (PledgeState.PROMISED, PledgeState.REMINDED)


@dataclass
class PledgeRequest:
    kind: str
    amount: int
    hours: int
    what: str
    remind_on: date
    email: str
    email_key: str
    given_name: str
    language: str = ""


def take_pledge(appeal: Appeal, wanted: PledgeRequest) -> Pledge:
    return Pledge.objects.create(
        organisation_id=appeal.organisation_id,
        appeal=appeal,
        kind=wanted.kind,
        amount=wanted.amount if wanted.kind == PledgeKind.MONEY else 0,
        currency=appeal.currency if wanted.kind == PledgeKind.MONEY else "",
        hours=wanted.hours if wanted.kind == PledgeKind.TIME else 0,
        what=wanted.what if wanted.kind == PledgeKind.TIME else "",
        remind_on=wanted.remind_on,
        email=wanted.email,
        email_key=wanted.email_key,
        given_name=wanted.given_name,
        language=wanted.language[:12],
    )


def describe(pledge: Pledge) -> str:
    if pledge.kind == PledgeKind.MONEY:
        return money.display(pledge.amount, pledge.currency)
    return _("%(hours)d hours: %(what)s") % {"hours": pledge.hours, "what": pledge.what}


def remind_due(limit: int = BATCH) -> int:
    """Email every pledge whose day has come; each is claimed first, so sent once."""
    today = leases.now().date()
    due = Pledge.objects.filter(state=PledgeState.PROMISED, remind_on__lte=today).select_related(
        "organisation", "appeal__campaign"
    )[:limit]
    sent = 0
    for pledge in due:
        with transaction.atomic():
            claimed = Pledge.objects.filter(pk=pledge.pk, state=PledgeState.PROMISED).update(
                state=PledgeState.REMINDED, reminded_at=timezone.now()
            )
            if claimed and pledge.email:
                _reminder(pledge)
                sent += 1
    worklog.did("reminded", sent, "pledges")
    return sent


def _reminder(pledge: Pledge) -> None:
    organisation = pledge.organisation
    page = reverse("payments:pledge_page", args=[organisation.slug, pledge.token])
    with translation.override(pledge.language or settings.LANGUAGE_CODE):
        subject = _("Your pledge to %(organisation)s") % {"organisation": organisation.name}
        action = (
            _("When you are ready, give it here (you pay on the payment provider's page):")
            if pledge.kind == PledgeKind.MONEY
            else _("When it is done, tell us here, or let us know you cannot after all:")
        )
        body = "\n".join(
            [
                _("Dear %(name)s,") % {"name": pledge.given_name or _("supporter")},
                "",
                _("You pledged %(what)s for “%(campaign)s”. Today is the day you chose.")
                % {"what": describe(pledge), "campaign": pledge.appeal.campaign.title},
                "",
                action,
                f"{settings.SITE_URL}{page}",
            ]
        )
    queue_email(to=pledge.email, subject=subject, body=body, organisation_id=organisation.pk)


def pay_pledge(pledge: Pledge) -> Donation:
    """Turn a money pledge into a donation of the amount promised (one INSERT each)."""
    with transaction.atomic():
        locked = Pledge.objects.select_for_update().get(pk=pledge.pk)
        if locked.donation_id is not None:
            return Donation.objects.get(pk=locked.donation_id)
        donation = take_donation(
            pledge.appeal,
            DonationRequest(
                email=pledge.email,
                email_key=pledge.email_key,
                given_name=pledge.given_name,
                family_name="",
                amount=pledge.amount,
                frequency="once",
                language=pledge.language,
                referrer_data={"source": "email"},
            ),
        )
        Pledge.objects.filter(pk=pledge.pk).update(donation=donation)
    return donation


def close_pledge(pledge: Pledge, state: str) -> bool:
    """Kept (time) or withdrawn: once, from an open pledge."""
    return bool(
        Pledge.objects.filter(pk=pledge.pk, state__in=OPEN).update(
            state=state, closed_at=timezone.now()
        )
    )
