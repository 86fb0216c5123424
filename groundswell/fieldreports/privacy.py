"""The reports' part of a person's subject-access export and of their erasure (supporters
calls these). A reporter who gave an email is found by it (normalised, as supporters are),
whether or not they also signed or gave; one who gave none cannot be found, by design.

Erasure deletes their contact details; the report itself stays, anonymous (its place was
never more than a grid square), so what was published is not silently rewritten.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import ReporterContact


def _of(supporter: Any) -> QuerySet[ReporterContact]:
    if not supporter.email_key:
        return ReporterContact.objects.none()
    return ReporterContact.objects.filter(
        organisation_id=supporter.organisation_id, email_key=supporter.email_key
    ).select_related("report__campaign")


def reports_of(supporter: Any) -> list[dict[str, Any]]:
    """What a subject-access export says of the reports the person sent with their email."""
    return [
        {
            "id": contact.report.pk,
            "campaign": contact.report.campaign.title,
            "title": contact.report.title,
            "body": contact.report.body,
            "state": contact.report.state,
            "place": {
                "latitude": str(contact.report.latitude),
                "longitude": str(contact.report.longitude),
                "grid_degrees": str(contact.report.grid),
                "area": contact.report.area_name,
            },
            "has_photo": bool(contact.report.photo),
            "language": contact.report.language,
            "sent_at": contact.report.created_at.isoformat(),
            "contact": {"name": contact.name, "email": contact.email, "phone": contact.phone},
        }
        for contact in _of(supporter).order_by("created_at", "pk")
    ]


def erase_reporter(supporter: Any) -> int:
    """Delete the contact details the person gave with their reports; how many went."""
    deleted: int = _of(supporter).delete()[0]
    return deleted
