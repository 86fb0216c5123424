"""The organiser's side: times in the event's zone, changes and cancellations told to
everyone coming, the list for the door with check-in, and its CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.events import intake, notices, services
from groundswell.events.models import Attendance, Event

from .conftest import make_event

pytestmark = pytest.mark.django_db


def answer(event: Event, email: str, name: str = "Nia") -> None:
    intake.take(event, intake.RsvpRequest(email=email, given_name=name))


def test_times_are_typed_in_the_events_zone_and_stored_in_utc(
    client: Client, owner: Membership, alice: object
) -> None:
    campaign = testing.make_campaign(owner)
    client.force_login(alice)  # type: ignore[arg-type]
    year = timezone.now().year + 1
    response = client.post(
        reverse("events:staff_new", args=["alices"]),
        {
            "campaign": campaign.pk, "title": "Vigil", "description": "Candles.",
            "kind": "physical", "venue": "Town square", "capacity": "0",
            "day_day": "1", "day_month": "7", "day_year": str(year),
            "start_time": "19:30", "end_time": "00:30", "time_zone": "Asia/Kolkata",
        },
    )  # fmt: skip
    event = Event.objects.get()
    assert response.status_code == 302
    # 19:30 in India (UTC+5:30) is 14:00 UTC; the end past midnight is the next day.
    assert event.starts_at == datetime(year, 7, 1, 14, 0, tzinfo=UTC)
    assert event.ends_at == datetime(year, 7, 1, 19, 0, tzinfo=UTC)
    page = client.get(event.get_absolute_url()).content.decode()
    assert "19:30" in page and "Asia/Kolkata" in page


def test_the_event_form_refuses_bad_times_with_the_summary(
    client: Client, owner: Membership, alice: object
) -> None:
    campaign = testing.make_campaign(owner)
    client.force_login(alice)  # type: ignore[arg-type]
    response = client.post(
        reverse("events:staff_new", args=["alices"]),
        {
            "campaign": campaign.pk, "title": "Vigil", "description": "Candles.",
            "kind": "online", "online_url": "", "capacity": "0",
            "day_day": "31", "day_month": "2", "day_year": "2027",
            "start_time": "25:00", "end_time": "x", "time_zone": "Mars/Olympus",
        },
    )  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in page and "<title>Error:" in page
    for message in (
        "must be a real date",
        "24-hour clock, for example 18:30",
        "Choose a time zone from the list.",
        "Enter the link people join by",
    ):
        assert message in page
    assert Event.objects.count() == 0


def test_a_change_of_time_tells_everyone_coming_and_a_cancel_too(
    owner: Membership, smtp_server: testing.LocalSMTPServer, clock: testing.FakeClock
) -> None:
    event = make_event(owner, capacity=1)
    answer(event, "a@example.net")
    answer(event, "b@example.net")
    testing.run_periodic("decide_rsvps")
    assert len(smtp_server.messages) == 2
    later = event.starts_at + timedelta(hours=1)
    services.update_event(owner, event, {"starts_at": later, "ends_at": later + timedelta(hours=2)})
    event.refresh_from_db()
    assert event.sequence == 1
    clock.advance(notices.NOTICE_DELAY)  # the notice waits for further edits (notices.py)
    testing.run_periodic("send_event_notices")
    changed = smtp_server.messages[2:]
    assert sorted(m["To"] for m in changed) == ["a@example.net", "b@example.net"]
    assert all("has changed" in str(m["Subject"]) for m in changed)
    # A change nobody needs to hear of (the description) sends nothing.
    services.update_event(owner, event, {"description": "Bring gloves and a flask."})
    clock.advance(notices.NOTICE_DELAY)
    testing.run_periodic("send_event_notices")
    assert len(smtp_server.messages) == 4
    assert services.cancel_event(owner, event)
    assert not services.cancel_event(owner, event)  # once
    testing.run_periodic("send_event_notices", "send_event_notices")
    cancelled = smtp_server.messages[4:]
    assert sorted(m["To"] for m in cancelled) == ["a@example.net", "b@example.net"]
    assert all("is cancelled" in str(m["Subject"]) for m in cancelled)


def test_the_door_list_checks_people_in_and_exports_safe_csv(
    client: Client, owner: Membership, alice: object, smtp_server: testing.LocalSMTPServer
) -> None:
    event = make_event(owner)
    answer(event, "a@example.net", name="=HYPERLINK(1)")
    answer(event, "b@example.net", name="Bea")
    testing.run_periodic("decide_rsvps")
    client.force_login(alice)  # type: ignore[arg-type]
    url = reverse("events:staff_attendees", args=["alices", event.pk])
    page = client.get(url).content.decode()
    assert "0 of 2 people with a place have arrived" in page
    bea = Attendance.objects.get(given_name="Bea")
    assert client.post(url, {"attendance": bea.pk, "arrived": "on"}).status_code == 302
    bea.refresh_from_db()
    assert bea.checked_in_at is not None
    assert "1 of 2 people" in client.get(url).content.decode()
    assert client.post(url, {"attendance": "nope"}).status_code == 400
    export = client.get(reverse("events:staff_attendees_csv", args=["alices", event.pk]))
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0][:3] == ["given_name", "family_name", "email"]
    by_email = {row[2]: row for row in rows[1:]}
    assert by_email["a@example.net"][:4] == ["'=HYPERLINK(1)", "", "a@example.net", "going"]
    assert by_email["b@example.net"][5]  # Bea's check-in time


def test_reminders_go_the_day_before_once(
    owner: Membership, smtp_server: testing.LocalSMTPServer, clock: testing.FakeClock
) -> None:
    start = timezone.now() + timedelta(hours=30)
    event = make_event(owner, starts_at=start, ends_at=start + timedelta(hours=2))
    answer(event, "a@example.net")
    testing.run_periodic("decide_rsvps", "remind_attendees")
    assert len(smtp_server.messages) == 1  # the place, no reminder yet
    clock.advance(timedelta(hours=7))
    testing.run_periodic("remind_attendees", "remind_attendees")
    assert [str(m["Subject"]) for m in smtp_server.messages][1:] == [
        "Reminder: Litter pick at Alder Mill is tomorrow"
    ]
    assert "/cancel/" in smtp_server.bodies()[1]


def test_an_event_under_a_draft_campaign_is_read_by_the_safety_gate_too(owner: Membership) -> None:
    # The campaign going live later publishes its events without reading them again.
    from groundswell.safety.services import Flagged

    draft = testing.make_campaign(owner, title="Not announced", slug="quiet", status="draft")
    assert not draft.is_public
    with pytest.raises(Flagged):
        make_event(owner, draft, description="Questions? Ring Dev on 07700 900123.")
    assert not Event.objects.exists()
    assert make_event(owner, draft).pk
