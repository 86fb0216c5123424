"""RSVP without an account: one INSERT in the request, a place or the waiting list decided
by the worker, the email that says which, cancelling from the email, moving up the list."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.events.models import Attendance, Event
from groundswell.supporters.models import Consent, Purpose, Supporter

pytestmark = pytest.mark.django_db

DECIDE = ("decide_rsvps", "fill_event_places")


def rsvp(client: Client, event: Event, email: str, name: str = "Nia", **extra: str) -> Any:
    url = reverse("events:rsvp", args=[event.organisation.slug, event.pk])
    return client.post(url, {"given_name": name, "email": email, **extra})


def subjects(smtp: testing.LocalSMTPServer) -> list[str]:
    return [str(message["Subject"]) for message in smtp.messages]


def test_the_request_stores_one_row_and_the_worker_gives_the_place(
    client: Client, event: Event, smtp_server: testing.LocalSMTPServer
) -> None:
    response = rsvp(client, event, "nia.holt@example.net", wants_updates="on")
    row = Attendance.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/o/alices/events/{event.pk}/thanks/{row.share_token}/"
    assert (row.state, row.supporter_id) == ("new", None)
    assert smtp_server.messages == []  # nothing sent from the request
    thanks = client.get(response["Location"]).content.decode()
    assert "We will confirm your place by email" in thanks
    assert f"ref={row.share_token}" in thanks  # the share step, with their own link
    testing.run_periodic(*DECIDE)
    row.refresh_from_db()
    assert row.state == "going" and row.supporter is not None and row.placed_at
    assert subjects(smtp_server) == ["Your place at Litter pick at Alder Mill is confirmed"]
    body = smtp_server.bodies()[0]
    assert "Europe/London" in body and "Alder Mill car park" in body
    assert smtp_server.links(f"/rsvp/{row.token}/cancel/")
    consents = Consent.objects.filter(supporter=row.supporter)
    assert {(c.purpose, c.granted) for c in consents} == {
        (Purpose.EVENT, True),
        (Purpose.UPDATES, True),
    }
    assert consents.get(purpose=Purpose.EVENT).confirmed_at is not None
    assert row.language == "en"


def test_a_repeat_rsvp_is_the_same_row_and_one_email(
    client: Client, event: Event, smtp_server: testing.LocalSMTPServer
) -> None:
    first = rsvp(client, event, "nia.holt@example.net")
    second = rsvp(client, event, "Nia.Holt@Example.net")
    assert first["Location"] == second["Location"]
    testing.run_periodic(*DECIDE)
    assert Attendance.objects.count() == 1
    assert len(smtp_server.messages) == 1


def test_when_full_the_next_wait_and_move_up_in_order_when_someone_cancels(
    client: Client, event: Event, smtp_server: testing.LocalSMTPServer
) -> None:
    for n, email in enumerate(["a@example.net", "b@example.net", "c@example.net", "d@example.net"]):
        rsvp(client, event, email, name=f"P{n}")
        testing.run_periodic("decide_rsvps")
    states = dict(Attendance.objects.values_list("email", "state"))
    assert states == {
        "a@example.net": "going",
        "b@example.net": "going",
        "c@example.net": "waitlisted",
        "d@example.net": "waitlisted",
    }
    assert subjects(smtp_server)[2] == "You are on the waiting list for Litter pick at Alder Mill"
    first = Attendance.objects.get(email="a@example.net")
    cancel = reverse("events:cancel", args=["alices", first.token])
    page = client.get(cancel)  # a mail scanner following the link changes nothing
    assert page.status_code == 200 and "Yes, cancel my RSVP" in page.content.decode()
    first.refresh_from_db()
    assert first.state == "going"
    done = client.post(cancel)
    assert done["Location"] == reverse("events:attendance", args=["alices", first.token])
    testing.run_periodic(*DECIDE)
    states = dict(Attendance.objects.values_list("email", "state"))
    assert states["a@example.net"] == "cancelled"
    assert states["c@example.net"] == "going"  # first on the list
    assert states["d@example.net"] == "waitlisted"
    assert subjects(smtp_server)[-2:] == [
        "You cancelled your RSVP to Litter pick at Alder Mill",
        "A place at Litter pick at Alder Mill is now yours",
    ]
    assert smtp_server.messages[-1]["To"] == "c@example.net"
    # A second POST does nothing more.
    client.post(cancel)
    testing.run_periodic(*DECIDE)
    assert len(smtp_server.messages) == 6


def test_a_newcomer_waits_behind_the_list_even_if_a_place_is_free_for_a_moment(
    client: Client, event: Event, smtp_server: testing.LocalSMTPServer
) -> None:
    for email in ["a@example.net", "b@example.net", "c@example.net"]:
        rsvp(client, event, email)
    testing.run_periodic("decide_rsvps")
    Attendance.objects.filter(email="a@example.net").update(state="cancelled")
    rsvp(client, event, "late@example.net")
    testing.run_periodic("decide_rsvps", "fill_event_places")
    states = dict(Attendance.objects.values_list("email", "state"))
    assert states["c@example.net"] == "going" and states["late@example.net"] == "waitlisted"


def test_a_referred_rsvp_credits_the_sharer(
    client: Client, event: Event, smtp_server: testing.LocalSMTPServer
) -> None:
    rsvp(client, event, "sharer@example.net")
    testing.run_periodic("decide_rsvps")
    sharer = Attendance.objects.get()
    page = client.get(event.get_absolute_url(), {"ref": sharer.share_token, "ch": "whatsapp"})
    assert f'value="{sharer.share_token}"' in page.content.decode()
    rsvp(client, event, "friend@example.net", ref=sharer.share_token, ch="whatsapp")
    rsvp(client, event, "self@example.net", ref="not-a-real-token")
    testing.run_periodic("decide_rsvps")
    friend = Attendance.objects.get(email="friend@example.net")
    assert friend.referred_by_id == sharer.supporter_id
    assert friend.referrer_data["source"] == "whatsapp"
    assert Attendance.objects.get(email="self@example.net").referred_by_id is None


def test_cancelling_and_answering_again_decides_afresh(
    client: Client, event: Event, smtp_server: testing.LocalSMTPServer
) -> None:
    rsvp(client, event, "nia@example.net")
    testing.run_periodic("decide_rsvps")
    row = Attendance.objects.get()
    client.post(reverse("events:cancel", args=["alices", row.token]))
    rsvp(client, event, "nia@example.net")
    testing.run_periodic("decide_rsvps")
    row.refresh_from_db()
    assert row.state == "going"
    assert Supporter.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"given_name": "Nia", "email": ""}, "Enter your email address."),
        ({"given_name": "Nia", "email": "not an address"}, "exactly one @"),
        ({"given_name": "", "email": "nia@example.net"}, "Enter your first name."),
        ({"given_name": "Nia", "email": "x" * 300 + "@example.net"}, "too long"),
    ],
)
def test_bad_answers_are_refused_with_the_summary_and_kept(
    client: Client, event: Event, fields: dict[str, str], message: str
) -> None:
    url = reverse("events:rsvp", args=["alices", event.pk])
    response = client.post(url, fields)
    page = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in page and message in page
    assert "<title>Error:" in page
    if fields["given_name"]:
        assert f'value="{fields["given_name"]}"' in page
    assert Attendance.objects.count() == 0


def test_a_cancelled_event_takes_no_rsvp(client: Client, event: Event, owner: Any) -> None:
    from groundswell.events.services import cancel_event

    cancel_event(owner, event)
    response = rsvp(client, event, "nia@example.net")
    assert response.status_code == 400
    assert "cancelled" in response.content.decode()
    assert Attendance.objects.count() == 0


def test_someone_elses_token_finds_nothing(client: Client, event: Event) -> None:
    assert client.get(reverse("events:attendance", args=["alices", "nope"])).status_code == 404
    assert client.post(reverse("events:cancel", args=["alices", "nope"])).status_code == 404
    url = reverse("events:thanks", args=["alices", event.pk, "nope"])
    assert client.get(url).status_code == 404
