"""iCalendar: an .ics per event, feeds per organisation and campaign, valid by RFC 5545
(read back with the `icalendar` library), and linked from the organisation's pages."""

from __future__ import annotations

from datetime import timedelta

import icalendar
import pytest
from django.test import Client
from django.urls import reverse

from groundswell.accounts.models import Membership
from groundswell.events import services
from groundswell.events.models import Event

from .conftest import make_event

pytestmark = pytest.mark.django_db


def read(body: bytes) -> icalendar.Calendar:
    cal = icalendar.Calendar.from_ical(body)
    assert isinstance(cal, icalendar.Calendar)
    return cal


def test_an_events_ics_is_valid_and_in_its_own_zone(client: Client, event: Event) -> None:
    response = client.get(reverse("events:ics", args=["alices", event.pk]))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content
    assert b"\r\n" in body  # RFC 5545 3.1: lines end with CRLF
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))  # folded
    cal = read(body)
    assert cal["VERSION"] == "2.0" and "PRODID" in cal
    (entry,) = cal.events
    assert str(entry["SUMMARY"]) == "Litter pick at Alder Mill"
    assert str(entry["UID"]).startswith(f"event-{event.pk}@")
    assert entry.start == event.starts_at
    assert str(getattr(entry.start, "tzinfo", "")) == "Europe/London"
    assert "TZID=Europe/London" in body.decode()
    assert [str(z["TZID"]) for z in cal.walk("VTIMEZONE")] == ["Europe/London"]
    assert (entry.status, entry.sequence) == ("CONFIRMED", 0)
    assert "DTSTAMP" in entry


def test_a_cancelled_event_says_so_with_a_new_sequence(
    client: Client, owner: Membership, event: Event
) -> None:
    services.cancel_event(owner, event)
    cal = read(client.get(reverse("events:ics", args=["alices", event.pk])).content)
    (entry,) = cal.events
    assert (entry.status, entry.sequence) == ("CANCELLED", 1)


def test_the_online_link_stays_out_of_the_public_calendar(
    client: Client, owner: Membership
) -> None:
    event = make_event(owner, kind="online", venue="", online_url="https://meet.example/secret")
    body = client.get(reverse("events:ics", args=["alices", event.pk])).content
    assert b"meet.example" not in body
    page = client.get(event.get_absolute_url()).content
    assert b"meet.example" not in page


def test_feeds_per_organisation_and_campaign(client: Client, owner: Membership) -> None:
    first = make_event(owner)
    other = make_event(
        owner,
        campaign=first.campaign,
        title="Tea and planning",
        starts_at=first.starts_at + timedelta(days=7),
        ends_at=first.ends_at + timedelta(days=7),
        time_zone="America/New_York",
    )
    org = read(client.get(reverse("events:organisation_ics", args=["alices"])).content)
    assert {str(e["SUMMARY"]) for e in org.walk("VEVENT")} == {first.title, other.title}
    assert {str(z["TZID"]) for z in org.walk("VTIMEZONE")} == {
        "Europe/London",
        "America/New_York",
    }
    url = reverse("events:campaign_ics", args=["alices", first.campaign.slug])
    camp = read(client.get(url).content)
    assert len(camp.walk("VEVENT")) == 2
    assert client.get(reverse("events:campaign_ics", args=["alices", "nope"])).status_code == 404


def test_the_organisations_pages_link_the_calendars(client: Client, event: Event) -> None:
    link = 'rel="alternate" type="text/calendar"'
    for url in (
        reverse("hub:organisation", args=["alices"]),
        reverse("events:upcoming", args=["alices"]),
        event.campaign.get_absolute_url(),
        event.get_absolute_url(),
    ):
        page = client.get(url).content.decode()
        assert link in page, url
    campaign_page = client.get(event.campaign.get_absolute_url()).content.decode()
    assert event.get_absolute_url() in campaign_page  # the callout
