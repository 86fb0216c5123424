"""The one way to an event or an attendance, for the public, the attendee and staff."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from groundswell.accounts.models import Membership

from .models import Attendance, Event


def public_event(org_slug: str, event_id: int) -> Event:
    """An event of a live campaign of an approved organisation; else 404."""
    return get_object_or_404(
        Event.objects.public().select_related("updates_wording"),
        organisation__slug=org_slug,
        pk=event_id,
    )


def own_attendance(org_slug: str, token: str) -> Attendance:
    """The RSVP whose token this is: the token (from the person's email) is their proof."""
    if not token.isascii() or len(token) > 32:
        raise Http404
    return get_object_or_404(
        Attendance.objects.select_related("event__organisation", "event__campaign"),
        event__organisation__slug=org_slug,
        token=token,
        anonymised_at__isnull=True,
    )


def access_event(membership: Membership, event_id: int) -> Event:
    """One of the membership's organisation's events; 404 for anyone else's."""
    return get_object_or_404(
        Event.objects.for_organisation(membership.organisation).select_related(
            "campaign", "organisation"
        ),
        pk=event_id,
    )
