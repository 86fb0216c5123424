from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Consent, ConsentWording, Purpose, Supporter


def find_or_create_supporter(
    organisation: Any, *, email: str, email_key: str, **details: str
) -> Supporter:
    """The organisation's one record for this person, created on first contact.

    Details fill blanks only: a second form must not overwrite what the person told us first.
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
    missing = {
        key: value for key, value in details.items() if value and not getattr(supporter, key)
    }
    if missing:
        for key, value in missing.items():
            setattr(supporter, key, value)
        supporter.save(update_fields=[*missing, "updated_at"])
    return supporter


def record_consent(
    supporter: Supporter,
    *,
    purpose: str,
    wording: ConsentWording,
    granted: bool,
    petition: Any = None,
    source_url: str = "",
    channel: str = "",
) -> Consent:
    return Consent.objects.create(
        supporter=supporter,
        purpose=purpose,
        petition=petition,
        wording=wording,
        granted=granted,
        source_url=source_url[:2000],
        channel=channel[:40],
    )


def confirm_consents(supporter: Supporter, petition: Any) -> None:
    """Double opt-in: the emailed link proves the address, so the consents it asked for hold."""
    Consent.objects.filter(
        supporter=supporter, petition=petition, confirmed_at__isnull=True, granted=True
    ).update(confirmed_at=timezone.now())


def standing_updates_consent(supporter: Supporter) -> bool:
    """True while the person has confirmed they want updates and not withdrawn since."""
    return supporter.consents.filter(
        purpose=Purpose.UPDATES,
        granted=True,
        confirmed_at__isnull=False,
        withdrawn_at__isnull=True,
    ).exists()


def withdraw_updates(supporter: Supporter) -> int:
    """Unsubscribe: mark every standing 'updates' consent withdrawn now; returns how many."""
    return Consent.objects.filter(
        supporter=supporter, purpose=Purpose.UPDATES, granted=True, withdrawn_at__isnull=True
    ).update(withdrawn_at=timezone.now())
