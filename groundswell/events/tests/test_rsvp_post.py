"""The RSVP's POST takes the sign form's shape (target P8): one lean look-up that finds
exactly what `public_event` finds, the rate count, and one INSERT."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from groundswell import testing
from groundswell.accounts.models import Organisation
from groundswell.campaigns.models import Campaign
from groundswell.events.access import event_for_rsvp, public_event
from groundswell.events.models import Attendance, Event

from .test_rsvp import rsvp

pytestmark = pytest.mark.django_db


def statements(queries: CaptureQueriesContext) -> list[str]:
    """Each statement's first words, quotes dropped: what it does to which table."""
    return [" ".join(q["sql"].replace('"', "").split()[:3]) for q in queries.captured_queries]


def test_an_rsvp_is_one_look_up_one_count_and_one_insert(client: Client, event: Event) -> None:
    with CaptureQueriesContext(connection) as queries:
        response = rsvp(client, event, "nia.holt@example.net", wants_updates="on")
    assert response.status_code == 302
    assert statements(queries) == [
        "SELECT e.id, e.organisation_id,",
        "INSERT INTO ratelimit_count",
        "INSERT INTO events_attendance",
    ]
    row = Attendance.objects.get()
    assert response["Location"].endswith(f"/thanks/{row.share_token}/")
    # A repeat stores nothing and reads the first answer's tokens back.
    with CaptureQueriesContext(connection) as again:
        repeat = rsvp(client, event, "NIA.HOLT@example.net")
    assert repeat["Location"] == response["Location"] and len(again) == 4
    assert Attendance.objects.count() == 1


def _cancel(event: Event) -> None:
    Event.objects.filter(pk=event.pk).update(state="cancelled")


def _over(event: Event) -> None:
    Event.objects.filter(pk=event.pk).update(ends_at=timezone.now() - timedelta(minutes=1))


def _draft_campaign(event: Event) -> None:
    Campaign.objects.filter(pk=event.campaign_id).update(status="draft")


def _closed_campaign(event: Event) -> None:
    Campaign.objects.filter(pk=event.campaign_id).update(status="closed")


def _waiting_organisation(event: Event) -> None:
    Organisation.objects.filter(pk=event.organisation_id).update(state="waiting")


def _another_organisation(_found: Any, *_rest: Any) -> None:
    # An approved organisation at the address asked for, which the id is not one of.
    owner = testing.make_user("olu@example.org", "Olu Owner")
    testing.make_organisation(owner, name="Someone Else", slug="someone-else")


@pytest.mark.parametrize(
    ("change", "slug"),
    [
        (None, "alices"),
        (None, "someone-else"),
        (_another_organisation, "someone-else"),
        (_cancel, "alices"),
        (_over, "alices"),
        (_draft_campaign, "alices"),
        (_closed_campaign, "alices"),
        (_waiting_organisation, "alices"),
    ],
)
def test_the_look_up_finds_what_public_event_finds(
    event: Event, change: Callable[[Event], Any] | None, slug: str
) -> None:
    if change:
        change(event)
    found = event_for_rsvp(slug, event.pk)
    try:
        full = public_event(slug, event.pk)
    except Http404:
        assert found is None
        return
    assert found is not None
    assert (found.pk, found.organisation_id) == (full.pk, full.organisation_id)
    assert found.taking_rsvps == full.taking_rsvps
    assert event_for_rsvp(slug, event.pk + 1000) is None
    assert event_for_rsvp(slug, 10**20) is None  # past any id: no query, no error
