"""RSVPs join every registry: the funnels, retention, the person's export and erasure, and
the privacy notice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.events import intake
from groundswell.events.analytics import attended, confirmed, referred, taken
from groundswell.events.models import Attendance, Event
from groundswell.lib import retention
from groundswell.supporters.erasure import erase_supporter
from groundswell.supporters.models import Supporter
from groundswell.supporters.subject_access import subject_access_data

from .conftest import make_event

pytestmark = pytest.mark.django_db


def test_the_funnel_counts_rsvps_places_arrivals_and_referrals(
    event: Event, smtp_server: testing.LocalSMTPServer
) -> None:
    first = intake.take(event, intake.RsvpRequest(email="a@example.net", given_name="A"))
    testing.run_periodic("decide_rsvps")
    intake.take(
        event,
        intake.RsvpRequest(
            email="b@example.net",
            given_name="B",
            referral_token=first.share_token,
            referrer_data={"source": "whatsapp"},
        ),
    )
    testing.run_periodic("decide_rsvps")
    Attendance.objects.filter(email="a@example.net").update(checked_in_at=timezone.now())
    start, end = timezone.now() - timedelta(days=1), timezone.now() + timedelta(days=1)
    assert sum(n for _d, _dims, n in taken(start, end)) == 2
    assert sum(n for _d, _dims, n in confirmed(start, end)) == 2
    assert sum(n for _d, _dims, n in attended(start, end)) == 1
    (row,) = list(referred(start, end))
    assert row[1].channel == "whatsapp" and row[2] == 1


def test_export_and_erasure_take_the_rsvps(
    owner: Membership, event: Event, smtp_server: testing.LocalSMTPServer
) -> None:
    intake.take(event, intake.RsvpRequest(email="nia@example.net", given_name="Nia"))
    testing.run_periodic("decide_rsvps")
    supporter = Supporter.objects.get()
    data = subject_access_data(supporter)
    assert [row["event"]["title"] for row in data["event_rsvps"]] == [event.title]
    assert data["event_rsvps"][0]["email"] == "nia@example.net"
    assert erase_supporter(owner, supporter)
    assert Attendance.objects.count() == 0


def test_an_rsvp_not_yet_decided_is_erased_with_its_person(
    owner: Membership, event: Event, smtp_server: testing.LocalSMTPServer
) -> None:
    other = make_event(owner, campaign=event.campaign, title="Second")
    intake.take(event, intake.RsvpRequest(email="nia@example.net", given_name="Nia"))
    testing.run_periodic("decide_rsvps")
    intake.take(other, intake.RsvpRequest(email="nia@example.net", given_name="Nia"))
    erase_supporter(owner, Supporter.objects.get())
    testing.run_periodic("decide_rsvps")
    assert Attendance.objects.count() == 0
    assert Supporter.objects.filter(erased_at__isnull=True).count() == 0


def test_retention_deletes_rsvps_of_events_long_over(owner: Membership) -> None:
    start = timezone.now() - timedelta(days=120)
    old = make_event(owner, starts_at=start, ends_at=start + timedelta(hours=2))
    Attendance.objects.create(
        organisation=owner.organisation, event=old, email="a@example.net", email_key="a@example.net"
    )
    kind = retention.discover()["events.attendances"]
    cutoff = kind.cutoff(timezone.now(), kind.default_days)
    assert kind.count(owner.organisation, cutoff) == {"RSVPs": 1}
    assert kind.run(owner.organisation, cutoff) == {"RSVPs": 1}


def test_the_privacy_notice_names_the_words_and_the_period(client: Client, event: Event) -> None:
    page = client.get(reverse("retention:privacy", args=["alices"])).content.decode()
    assert event.consent_wording.text in page
    assert "event RSVPs" in page
