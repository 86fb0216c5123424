"""OSDI events and attendances, and the Record Attendance Helper through the RSVP intake."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from groundswell import testing
from groundswell.api.endpoints import TOKEN_HEADER
from groundswell.events.models import Attendance, Event
from groundswell.events.tests.conftest import make_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(owner: Any) -> Event:
    return make_event(owner)


def helper(client: Client, event: Event, token: str, body: Any) -> Any:
    return client.post(
        f"/api/osdi/v1/events/{event.pk}/record_attendance_helper",
        body,
        content_type="application/json",
        headers={TOKEN_HEADER: token},
    )


BODY = {
    "identifiers": ["crm:77"],
    "person": {
        "given_name": "Oren",
        "family_name": "Pike",
        "email_addresses": [{"address": "oren.pike@example.net", "primary": True}],
    },
    "referrer_data": {"source": "newsletter"},
}


def test_the_helper_takes_an_rsvp_through_the_intake_once_per_person(
    client: Client, event: Event, token: str, smtp_server: testing.LocalSMTPServer
) -> None:
    first = helper(client, event, token, BODY)
    assert first.status_code == 201
    assert first["Content-Type"] == "application/hal+json"
    body = first.json()
    assert body["status"] == "needs action" and "crm:77" in body["identifiers"]
    assert smtp_server.messages == []  # the worker decides and emails
    again = helper(client, event, token, {**BODY, "identifiers": ["crm:78"]})
    assert again.status_code == 200
    assert again.json()["identifiers"] == body["identifiers"]
    assert Attendance.objects.count() == 1
    testing.run_periodic("decide_rsvps")
    row = Attendance.objects.get()
    assert (row.state, row.referrer_data["source"]) == ("going", "newsletter")
    assert len(smtp_server.messages) == 1
    read = client.get(
        f"/api/osdi/v1/events/{event.pk}/attendances/{row.pk}", headers={TOKEN_HEADER: token}
    ).json()
    assert read["status"] == "accepted"
    assert read["_links"]["osdi:person"]["href"].endswith(f"/people/{row.supporter_id}")


def test_events_and_attendances_are_listed_for_the_token_only(
    client: Client, event: Event, token: str, charlies_token: str
) -> None:
    helper(client, event, token, BODY)
    listed = client.get("/api/osdi/v1/events", headers={TOKEN_HEADER: token}).json()
    (found,) = listed["_embedded"]["osdi:events"]
    assert found["title"] == event.title and found["groundswell:time_zone"] == "Europe/London"
    assert found["start_date"].endswith("Z")
    attendances = client.get(
        f"/api/osdi/v1/events/{event.pk}/attendances", headers={TOKEN_HEADER: token}
    ).json()
    assert len(attendances["_embedded"]["osdi:attendances"]) == 1
    theirs = charlies_token
    assert (
        client.get(f"/api/osdi/v1/events/{event.pk}", headers={TOKEN_HEADER: theirs}).status_code
        == 404
    )
    assert helper(client, event, theirs, BODY).status_code == 404
    assert client.get("/api/osdi/v1/events").status_code == 401


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "FIELD_MISSING"),
        ({"person": {"given_name": "Oren"}}, "EMAIL_MISSING"),
        (
            {"person": {"given_name": "Oren", "email_addresses": [{"address": "nope"}]}},
            "EMAIL_INVALID",
        ),
        ({"person": {"email_addresses": [{"address": "o@example.net"}]}}, "GIVEN_NAME_MISSING"),
        ({"person": {"given_name": "x" * 101, "email_addresses": []}}, "FIELD_TOO_LONG"),
        ([1, 2, 3], None),
        ("not json", None),
    ],
)
def test_bad_bodies_get_a_4xx_and_store_nothing(
    client: Client, event: Event, token: str, body: Any, code: str | None
) -> None:
    response = helper(client, event, token, body)
    assert 400 <= response.status_code < 500
    if code:
        assert code in response.content.decode()
    assert Attendance.objects.count() == 0


def test_a_cancelled_event_refuses_the_helper(
    client: Client, owner: Any, event: Event, token: str
) -> None:
    from groundswell.events.services import cancel_event

    cancel_event(owner, event)
    response = helper(client, event, token, BODY)
    assert response.status_code == 409 and "EVENT_CLOSED" in response.content.decode()
