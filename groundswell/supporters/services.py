"""The supporter's own record and consents: the verbs the sign path and the person's pages call.

Staff work on supporters lives beside this file, one module per section: `access`, `search`,
`export`, `subject_access` and `erasure`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Consent, ConsentWording, Purpose, Supporter


def find_or_create_supporter(
    organisation: Any, *, email: str, email_key: str, **details: str
) -> Supporter:
    """The organisation's one record for this person, created on first contact.

    Details are stored on first contact only, never changed by a later form, not even to
    fill a blank: anyone who knows an address can sign with it, so a repeat signature
    proves nothing about who typed the name or postcode.
    """
    supporter = Supporter.objects.filter(organisation=organisation, email_key=email_key).first()
    if supporter is None:
        try:
            with transaction.atomic():
                return Supporter.objects.create(
                    organisation=organisation, email=email, email_key=email_key, **details
                )
        except IntegrityError:  # someone with the same key arrived at the same moment
            supporter = Supporter.objects.get(organisation=organisation, email_key=email_key)
    return supporter


def new_consent(
    supporter_id: int,
    *,
    purpose: str,
    wording: ConsentWording,
    granted: bool,
    petition: Any = None,
    source_url: str = "",
    channel: str = "",
) -> Consent:
    """An unsaved consent record, so that many can be written in one statement."""
    expires_at = None
    if purpose == Purpose.UPDATES and granted:
        # Permission to keep writing to someone does not last for ever: after this long
        # without a new "yes" they stop receiving updates.
        expires_at = timezone.now() + timedelta(days=settings.CONSENT_UPDATES_DAYS)
    return Consent(
        supporter_id=supporter_id,
        purpose=purpose,
        petition=petition,
        wording=wording,
        granted=granted,
        source_url=source_url[:2000],
        channel=channel[:40],
        expires_at=expires_at,
    )


def confirm_consents(supporter: Supporter, petition: Any) -> None:
    """Double opt-in: the emailed link proves the address, so the consents it asked for hold."""
    Consent.objects.filter(
        supporter=supporter, petition=petition, confirmed_at__isnull=True, granted=True
    ).update(confirmed_at=timezone.now())


def standing_updates_consent(supporter: Supporter) -> bool:
    """True while the person has confirmed they want updates and not withdrawn since."""
    return supporter.consents.standing(Purpose.UPDATES).exists()


def choose_leaderboard(supporter: Supporter, *, show: bool) -> None:
    """The person's own choice, from their private page, to show their first name publicly."""
    supporter.public_leaderboard = show
    supporter.save(update_fields=["public_leaderboard", "updated_at"])


def withdraw_updates(supporter: Supporter) -> int:
    """Unsubscribe: mark every standing 'updates' consent withdrawn now; returns how many."""
    return Consent.objects.filter(
        supporter=supporter, purpose=Purpose.UPDATES, granted=True, withdrawn_at__isnull=True
    ).update(withdrawn_at=timezone.now())
