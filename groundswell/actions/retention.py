"""What signing keeps about people, and for how long (lib/retention.py).

Unconfirmed signatures: an address nobody confirmed may not even be the signer's, so the
signature goes, with what it alone brought: its consent records and share links, the
signatures still waiting in the intake, and the person's record once no signature of theirs
is left. Tallies are recounted in the same transaction, so no count ever includes a deleted
signature. A share link others arrived by stops crediting anyone once its holder is gone.

Landing addresses: the page address and website a signature arrived from (its referrer
data) can carry an address or a name in their query (`?email=…`); they are cleared, and the
channel and the share token that brought the person stay for the referral statistics.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from groundswell.lib.retention import ANONYMISE, DELETE, Counts, Kind, register
from groundswell.referrals import digest
from groundswell.referrals.models import ShareToken
from groundswell.supporters.links import CONFIRM_MAX_AGE
from groundswell.supporters.models import Consent, Supporter

from .models import Signature, SignatureIntake, SignatureState
from .services import recount

if TYPE_CHECKING:
    from groundswell.accounts.models import Organisation

BATCH = 500


def _old_unconfirmed(organisation: Organisation | None, cutoff: datetime) -> QuerySet[Signature]:
    return Signature.objects.filter(
        petition__organisation=organisation, state=SignatureState.PENDING, created_at__lt=cutoff
    )


def _old_waiting(organisation: Organisation | None, cutoff: datetime) -> QuerySet[SignatureIntake]:
    return SignatureIntake.objects.filter(
        petition__organisation=organisation, created_at__lt=cutoff
    )


def _left_with_nothing(organisation: Organisation | None, cutoff: datetime) -> QuerySet[Supporter]:
    """The people whose every signature is an old unconfirmed one."""
    kept = Signature.objects.filter(supporter=OuterRef("pk")).filter(
        Q(state=SignatureState.CONFIRMED) | Q(created_at__gte=cutoff)
    )
    return Supporter.objects.filter(
        Exists(_old_unconfirmed(organisation, cutoff).filter(supporter=OuterRef("pk")))
    ).exclude(Exists(kept))


def count_unconfirmed(organisation: Organisation | None, cutoff: datetime) -> Counts:
    return {
        "signatures": _old_unconfirmed(organisation, cutoff).count(),
        "waiting signatures": _old_waiting(organisation, cutoff).count(),
        "supporters": _left_with_nothing(organisation, cutoff).count(),
    }


def delete_unconfirmed(organisation: Organisation | None, cutoff: datetime) -> Counts:
    with transaction.atomic():
        # The intake first, as erasure does: the intake worker locks its rows before it
        # touches a supporter, so taking them in the same order cannot deadlock.
        waiting = _old_waiting(organisation, cutoff)
        petitions = set(waiting.values_list("petition_id", flat=True))
        waiting_deleted = waiting.delete()[0]
        doomed = list(_left_with_nothing(organisation, cutoff).values_list("pk", flat=True))
        signatures = _old_unconfirmed(organisation, cutoff)
        petitions.update(signatures.values_list("petition_id", flat=True))
        # What the signature alone brought: the consents and share links of the same person
        # on the same petition.
        same_pair = signatures.filter(
            supporter_id=OuterRef("supporter_id"), petition_id=OuterRef("petition_id")
        )
        Consent.objects.filter(Exists(same_pair), confirmed_at__isnull=True).delete()
        ShareToken.objects.filter(Exists(same_pair)).delete()
        digest.forget(signatures)  # the ranking's copy of them, read again at its next refresh
        signatures_deleted = signatures.delete()[0]
        supporters_deleted = 0
        for start in range(0, len(doomed), BATCH):
            chunk = doomed[start : start + BATCH]
            supporters_deleted += (
                Supporter.objects.filter(pk__in=chunk).delete()[1].get(Supporter._meta.label, 0)
            )
        for petition_id in sorted(petitions):
            recount(petition_id)
    return {
        "signatures": signatures_deleted,
        "waiting signatures": waiting_deleted,
        "supporters": supporters_deleted,
    }


def _with_landing(organisation: Organisation | None, cutoff: datetime) -> QuerySet[Signature]:
    return Signature.objects.filter(
        petition__organisation=organisation,
        created_at__lt=cutoff,
        referrer_data__has_any_keys=["url", "website"],
    )


def count_landing(organisation: Organisation | None, cutoff: datetime) -> Counts:
    return {"signatures": _with_landing(organisation, cutoff).count()}


def clear_landing(organisation: Organisation | None, cutoff: datetime) -> Counts:
    cleared = 0
    while True:
        with transaction.atomic():
            batch = list(_with_landing(organisation, cutoff).order_by("pk")[:BATCH])
            if not batch:
                return {"signatures": cleared}
            for signature in batch:
                signature.referrer_data = {
                    key: value
                    for key, value in signature.referrer_data.items()
                    if key not in ("url", "website")
                }
            # bulk_update leaves updated_at alone: nothing a tally counts has changed.
            Signature.objects.bulk_update(batch, ["referrer_data"])
            cleared += len(batch)


register(
    Kind(
        name="actions.unconfirmed_signatures",
        label=_("Unconfirmed signatures"),
        covers=_(
            "Signatures whose email address was never confirmed: the name, email address, "
            "country, postcode and comment given, the consent records and the personal "
            "share link that came with them."
        ),
        default_days=30,
        # Not before the emailed confirmation link has run out: a person who confirms in
        # time must find their signature.
        min_days=CONFIRM_MAX_AGE.days,
        does=DELETE,
        run=delete_unconfirmed,
        count=count_unconfirmed,
        order=10,
    )
)
register(
    Kind(
        name="actions.landing_addresses",
        label=_("Addresses of the pages people signed from"),
        covers=_(
            "The web address of the page a signature came from, and the website that "
            "linked to it; the channel (such as “email” or “share”) is kept."
        ),
        default_days=90,
        does=ANONYMISE,
        run=clear_landing,
        count=count_landing,
        order=30,
    )
)
