"""The one way to an event or an attendance, for the public, the attendee and staff."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.db import connection
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from groundswell.accounts.models import Membership, Organisation, OrganisationState
from groundswell.campaigns.models import Campaign, CampaignStatus

from .models import Attendance, Event, EventState


def public_event(org_slug: str, event_id: int) -> Event:
    """An event of a live campaign of an approved organisation; else 404."""
    return get_object_or_404(
        Event.objects.public().select_related("updates_wording"),
        organisation__slug=org_slug,
        pk=event_id,
    )


# An id past a 64-bit integer: the database would refuse to compare it.
BIGGEST_ID = 2**63 - 1


@dataclass(frozen=True)
class EventForRsvp:
    """What an RSVP's POST needs of its event: where the row goes, and whether it may."""

    pk: int
    organisation_id: int
    taking_rsvps: bool


@functools.cache
def _rsvp_sql() -> str:
    event, org, campaign = (m._meta.db_table for m in (Event, Organisation, Campaign))
    # `public_event` and `Event.taking_rsvps`, written out: the ORM took longer to build
    # this query on every POST than the database took to answer it.
    return (
        f"SELECT e.id, e.organisation_id, e.state = %s AND e.ends_at > %s "  # noqa: S608
        f"FROM {event} e JOIN {org} o ON o.id = e.organisation_id "
        f"JOIN {campaign} c ON c.id = e.campaign_id "
        "WHERE e.id = %s AND o.slug = %s AND o.state = %s AND c.status = %s"
    )


def event_for_rsvp(org_slug: str, event_id: int) -> EventForRsvp | None:
    """The event `public_event` would find (None where it answers 404), in one lean query."""
    if not 0 < event_id <= BIGGEST_ID:  # the ORM finds nothing for an id no column can hold
        return None
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    params = [EventState.SCHEDULED.value, now, event_id, org_slug]
    approved, live = OrganisationState.APPROVED.value, CampaignStatus.LIVE.value
    with connection.cursor() as cursor:
        cursor.execute(_rsvp_sql(), [*params, approved, live])
        row = cursor.fetchone()
    return EventForRsvp(row[0], row[1], bool(row[2])) if row else None


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
