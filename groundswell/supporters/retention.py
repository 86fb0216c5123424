"""What the supporters' records keep, and for how long (lib/retention.py).

Inactive supporters are anonymised exactly as erasure does it (`erasure.anonymise_supporter`):
their signatures and consent records stay, without anything that names them, so tallies and
the referral tree do not move. Someone is inactive when nothing of theirs has happened since
the cutoff (no signature, no consent given or confirmed, no change to their record) and they
hold no standing consent to hear from the organisation: a person still subscribed is kept
until that consent expires or is withdrawn.

Consent records keep the address of the page the consent was given on for a while (proof of
where it was asked); after that only what, when, which words and the channel stay.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from groundswell.actions.models import Signature
from groundswell.lib.retention import ANONYMISE, YEAR_DAYS, Counts, Kind, register

from .erasure import anonymise_supporter
from .models import Consent, Purpose, Supporter

if TYPE_CHECKING:
    from groundswell.accounts.models import Organisation

BATCH = 200


def _inactive(organisation: Organisation | None, cutoff: datetime) -> QuerySet[Supporter]:
    recent_signature = Signature.objects.filter(supporter=OuterRef("pk")).filter(
        Q(created_at__gte=cutoff) | Q(confirmed_at__gte=cutoff)
    )
    recent_consent = Consent.objects.filter(supporter=OuterRef("pk")).filter(
        Q(created_at__gte=cutoff) | Q(confirmed_at__gte=cutoff) | Q(withdrawn_at__gte=cutoff)
    )
    subscribed = Consent.objects.standing(Purpose.UPDATES).filter(supporter=OuterRef("pk"))
    return (
        Supporter.objects.active()
        .for_organisation(organisation or 0)
        .filter(created_at__lt=cutoff, updated_at__lt=cutoff)
        .exclude(Exists(recent_signature))
        .exclude(Exists(recent_consent))
        .exclude(Exists(subscribed))
    )


def count_inactive(organisation: Organisation | None, cutoff: datetime) -> Counts:
    return {"supporters": _inactive(organisation, cutoff).count()}


def anonymise_inactive(organisation: Organisation | None, cutoff: datetime) -> Counts:
    done = 0
    # One transaction per person, as erasure has: a long run never holds the write lock
    # for long, and a person anonymised stays so if a later one fails.
    while batch := list(_inactive(organisation, cutoff).order_by("pk")[:BATCH]):
        for supporter in batch:
            done += anonymise_supporter(supporter)
    return {"supporters": done}


def _with_source(organisation: Organisation | None, cutoff: datetime) -> QuerySet[Consent]:
    return Consent.objects.filter(
        supporter__organisation=organisation, created_at__lt=cutoff
    ).exclude(source_url="")


def count_sources(organisation: Organisation | None, cutoff: datetime) -> Counts:
    return {"consent records": _with_source(organisation, cutoff).count()}


def clear_sources(organisation: Organisation | None, cutoff: datetime) -> Counts:
    return {"consent records": _with_source(organisation, cutoff).update(source_url="")}


register(
    Kind(
        name="supporters.inactive",
        label=_("Inactive supporters"),
        covers=_(
            "Supporters' names, email addresses, countries and postcodes, once nothing of "
            "theirs has happened for this long and they no longer agree to hear from us. "
            "Their signatures still count, without anything that names them."
        ),
        default_days=3 * YEAR_DAYS,
        min_days=YEAR_DAYS // 2,
        does=ANONYMISE,
        run=anonymise_inactive,
        count=count_inactive,
        order=20,
    )
)
register(
    Kind(
        name="supporters.consent_sources",
        label=_("Where consent was given"),
        covers=_(
            "The web address of the page on which someone gave a consent; what they agreed "
            "to, when, and in which words is kept as proof."
        ),
        default_days=365,
        does=ANONYMISE,
        run=clear_sources,
        count=count_sources,
        order=40,
    )
)
