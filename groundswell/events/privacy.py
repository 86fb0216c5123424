"""The events' part of a person's export and of their erasure (supporters calls these).

An RSVP is no record any law asks to keep: erasure deletes the person's RSVPs outright. A
place they held at an event still to come frees for the waiting list (waitlist.fill_places
gives it on); counts already rolled up into the analytics stay, anonymous.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from .models import Attendance, Event


def _of(supporter: Any) -> Any:
    # RSVPs the worker has not tied to the person yet are found by their address.
    return Attendance.objects.filter(organisation_id=supporter.organisation_id).filter(
        Q(supporter=supporter) | Q(supporter__isnull=True, email_key=supporter.email_key)
    )


def attendances_of(supporter: Any) -> list[dict[str, Any]]:
    """What a subject-access export says of the person's RSVPs (no other person's data)."""
    rows = _of(supporter).select_related("event").order_by("created_at", "pk")
    return [
        {
            "id": row.pk,
            "event": {"id": row.event_id, "title": row.event.title},
            "state": row.state,
            "email": row.email,
            "given_name": row.given_name,
            "family_name": row.family_name,
            "language": row.language,
            "wants_updates": row.wants_updates,
            "referred_by_a_supporter": row.referred_by_id is not None,
            "referrer_data": {k: v for k, v in row.referrer_data.items() if k != "referrer"},
            "created_at": row.created_at.isoformat(),
            "placed_at": row.placed_at.isoformat() if row.placed_at else None,
            "reminded_at": row.reminded_at.isoformat() if row.reminded_at else None,
            "cancelled_at": row.cancelled_at.isoformat() if row.cancelled_at else None,
            "checked_in_at": row.checked_in_at.isoformat() if row.checked_in_at else None,
        }
        for row in rows
    ]


def erase_attendances(supporter: Any) -> dict[str, int]:
    deleted, _by_model = _of(supporter).delete()
    return {"RSVPs deleted": deleted}


def event_wordings(organisation: Any) -> list[str]:
    """The words people agree to when they answer the organisation's public events, once each."""
    found = Event.objects.public().filter(organisation=organisation).order_by("pk")
    return list(
        dict.fromkeys(
            event.consent_wording.text for event in found.select_related("consent_wording")
        )
    )
