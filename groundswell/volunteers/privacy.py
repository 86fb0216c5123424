"""The volunteers' part of a person's export and of their erasure (supporters calls these).

Nothing about a sign-up is a record any law asks to keep: erasing deletes the person's
sign-ups whole, and a place they held goes to the first on that shift's waitlist.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q

from . import places
from .models import Signup, SignupState


def _of(supporter: Any) -> Any:
    # Sign-ups the worker has not tied to the person yet are found by their address.
    return Signup.objects.filter(organisation_id=supporter.organisation_id).filter(
        Q(supporter=supporter) | Q(email_key=supporter.email_key)
    )


def signups_of(supporter: Any) -> list[dict[str, Any]]:
    """What a subject-access export says of the person's volunteering (no one else's data)."""
    found = _of(supporter).select_related("need", "shift", "wording").order_by("created_at", "pk")
    return [
        {
            "id": signup.pk,
            "need": signup.need.title,
            "shift_starts_at": signup.shift.starts_at.isoformat(),
            "shift_ends_at": signup.shift.ends_at.isoformat(),
            "place": signup.shift.place,
            "state": signup.state,
            "email": signup.email,
            "given_name": signup.given_name,
            "family_name": signup.family_name,
            "phone": signup.phone,
            "brings": list(signup.skills or []),
            "language": signup.language,
            "consent_wording": {"id": signup.wording_id, "text": signup.wording.text},
            "referred_by_a_supporter": signup.referred_by_id is not None,
            "channel": (signup.referrer_data or {}).get("source", ""),
            "created_at": signup.created_at.isoformat(),
            "confirmed_at": signup.confirmed_at.isoformat() if signup.confirmed_at else None,
            "reminded_at": signup.reminded_at.isoformat() if signup.reminded_at else None,
            "cancelled_at": signup.cancelled_at.isoformat() if signup.cancelled_at else None,
            "checked_in_at": signup.checked_in_at.isoformat() if signup.checked_in_at else None,
        }
        for signup in found
    ]


def erase_signups(supporter: Any) -> dict[str, int]:
    """Delete the person's sign-ups; each place they held moves the waitlist up."""
    with transaction.atomic():
        held = set(
            _of(supporter).filter(state=SignupState.CONFIRMED).values_list("shift_id", flat=True)
        )
        deleted, _by_model = _of(supporter).delete()
        for shift_id in sorted(held):
            places.move_up(places.lock_shift(shift_id))
    return {"volunteer sign-ups deleted": deleted}
