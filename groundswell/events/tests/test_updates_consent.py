"""The "keep me updated" ticked with an RSVP holds only once the person confirms it from
their email, as a signature's does: the same consent row, its wording, source and time of
asking kept, `confirmed_at` set by a POST from the page the email links."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from groundswell import testing
from groundswell.events.models import Attendance, Event
from groundswell.events.tests.test_rsvp import DECIDE, rsvp
from groundswell.supporters.models import Consent, Purpose
from groundswell.supporters.services import standing_updates_consent

pytestmark = pytest.mark.django_db


def path_of(url: str) -> str:
    return urlsplit(url).path


def test_the_place_email_carries_the_link_that_confirms_the_updates_consent(
    client: Client, event: Event, smtp_server: testing.LocalSMTPServer
) -> None:
    rsvp(client, event, "nia.holt@example.net", wants_updates="on")
    testing.run_periodic(*DECIDE)
    row = Attendance.objects.select_related("supporter").get()
    consent = Consent.objects.get(supporter=row.supporter, purpose=Purpose.UPDATES)
    assert row.updates_consent_id == consent.pk
    assert consent.granted and consent.confirmed_at is None
    assert consent.wording_id == event.updates_wording_id
    assert consent.source_url.endswith(f"/events/{event.pk}/")
    assert row.supporter is not None
    assert not standing_updates_consent(row.supporter)  # nothing sent on an unproven "yes"
    [link] = smtp_server.links(f"/rsvp/{row.token}/updates/")
    page = client.get(path_of(link))
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert escape(event.updates_wording.text) in page.content.decode()
    consent.refresh_from_db()
    assert consent.confirmed_at is None  # a GET (a mail scanner) changes nothing
    before = timezone.now()
    done = client.post(path_of(link))
    assert done.status_code == 302
    consent.refresh_from_db()
    assert consent.confirmed_at is not None and consent.confirmed_at >= before
    assert consent.created_at < consent.confirmed_at  # the time of asking stays
    assert standing_updates_consent(row.supporter)
    assert "will keep you updated" in client.get(done["Location"]).content.decode()
    confirmed_at = consent.confirmed_at
    client.post(path_of(link))  # again: the first confirmation stands
    consent.refresh_from_db()
    assert consent.confirmed_at == confirmed_at


def test_the_waiting_list_email_carries_it_and_no_tick_means_no_link(
    client: Client, event: Event, smtp_server: testing.LocalSMTPServer
) -> None:
    for name in ("ana", "ben"):
        rsvp(client, event, f"{name}@example.net")  # the two places, no updates asked
    rsvp(client, event, "cai@example.net", wants_updates="on")
    testing.run_periodic(*DECIDE)
    cai = Attendance.objects.get(email="cai@example.net")
    assert cai.state == "waitlisted"
    assert len(smtp_server.links("/updates/")) == 1
    assert smtp_server.links(f"/rsvp/{cai.token}/updates/")
    ana = Attendance.objects.get(email="ana@example.net")
    assert ana.updates_consent_id is None
    page = client.get(f"/o/alices/rsvp/{ana.token}/updates/").content.decode()
    assert "nothing to confirm" in page
    client.post(f"/o/alices/rsvp/{ana.token}/updates/")
    refused = Consent.objects.get(supporter=ana.supporter, purpose=Purpose.UPDATES)
    assert not refused.granted and refused.confirmed_at is None


def test_a_lapsed_consent_or_an_unknown_token_confirms_nothing(
    client: Client, event: Event, smtp_server: testing.LocalSMTPServer
) -> None:
    rsvp(client, event, "nia.holt@example.net", wants_updates="on")
    testing.run_periodic(*DECIDE)
    row = Attendance.objects.get()
    consent = row.updates_consent
    assert consent is not None
    Consent.objects.filter(pk=consent.pk).update(expires_at=timezone.now())
    client.post(f"/o/alices/rsvp/{row.token}/updates/")
    consent.refresh_from_db()
    assert consent.confirmed_at is None
    assert client.get("/o/alices/rsvp/not-a-token/updates/").status_code == 404
