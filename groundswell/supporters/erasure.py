"""Erasing a person: their personal data goes, the anonymous facts stay."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.accounts.access import require
from groundswell.accounts.models import Membership
from groundswell.actions.services import erase_signatures, forget_waiting_signatures
from groundswell.audit.services import record
from groundswell.events.privacy import erase_attendances
from groundswell.fieldreports.privacy import erase_reporter
from groundswell.ideas.privacy import erase_ideas
from groundswell.payments.privacy import erase_donations
from groundswell.volunteers.privacy import erase_signups

from .access import require_own
from .models import Consent, Purpose, Supporter


def erase_supporter(membership: Membership | None, supporter: Supporter) -> bool:
    """Remove the person's personal data; True if this call erased them, False if already done.

    What stays is anonymous: signature rows with their states (so tallies do not move),
    referral links and share tokens (so the referral tree and links others received keep
    working), consent records without their source address (proof of what was agreed).
    A new random key frees the address: the same person may sign again as someone new.

    `membership` is None when the person erases themselves from their private page (the
    signed link is the proof); the audit entry then says it was self-service.
    """
    if membership is not None:
        require(membership, "supporters.erase")
        require_own(membership, supporter)
    with transaction.atomic():
        if not anonymise_supporter(supporter):
            return False
        record(
            organisation=supporter.organisation,
            actor=membership.user if membership else None,
            action="supporter.erase",
            target=supporter,
            summary=(
                _("Erased supporter #%(id)s")
                if membership
                else _("Supporter #%(id)s erased their own data (self-service)")
            )
            % {"id": supporter.pk},
        )
    return True


def anonymise_supporter(supporter: Supporter) -> bool:
    """The anonymisation itself, without the access check and the audit entry: erasure and
    the retention schedule (supporters/retention.py, audited per run) both come here.
    True if this call anonymised the person, False if they already were."""
    with transaction.atomic():
        # Signatures still waiting in the intake would re-create the person (and email them)
        # once the worker records them. Deleted first: the worker locks intake rows before
        # it touches the supporter, so taking them in the same order cannot deadlock.
        forget_waiting_signatures(supporter)
        erase_donations(supporter)  # found by the address too: before it is cleared
        erase_attendances(supporter)  # likewise
        erase_signups(supporter)  # the same, and a place held goes to the waitlist
        erase_reporter(supporter)  # their contact on reports from the ground, by address
        erase_ideas(supporter)  # the same, and its waiting votes, like the signatures'
        locked = Supporter.objects.select_for_update().get(pk=supporter.pk)
        if locked.erased_at is not None:
            supporter.refresh_from_db()
            return False
        supporter.email = ""
        supporter.given_name = ""
        supporter.family_name = ""
        supporter.country = ""
        supporter.postcode = ""
        supporter.public_leaderboard = False
        supporter.email_key = f"erased:{secrets.token_hex(16)}"
        supporter.erased_at = timezone.now()
        supporter.save(
            update_fields=[
                "email", "given_name", "family_name", "country", "postcode",
                "public_leaderboard", "email_key", "erased_at", "updated_at",
            ]
        )  # fmt: skip
        erase_signatures(supporter)
        consents = Consent.objects.filter(supporter=supporter)
        consents.update(source_url="")
        # Nobody is left to write to; the records still show what was agreed, and when.
        consents.filter(purpose=Purpose.UPDATES, granted=True, withdrawn_at__isnull=True).update(
            withdrawn_at=supporter.erased_at
        )
    return True
