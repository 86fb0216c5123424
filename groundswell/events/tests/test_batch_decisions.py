"""RSVPs decided in chunks per event and their emails sent in batches: the same places,
waiting list, credit, consents and emails as one at a time, with a real SMTP server."""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from pytest_django.fixtures import Settings

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.events import decisions, emails, letters, waitlist
from groundswell.events.intake import RsvpRequest, take
from groundswell.events.models import Attendance, Event
from groundswell.events.services import cancel_attendance, cancel_event
from groundswell.events.tests.conftest import make_event
from groundswell.notifications import owed
from groundswell.referrals.models import ShareToken
from groundswell.supporters.erasure import erase_supporter
from groundswell.supporters.links import read_supporter_page_token
from groundswell.supporters.models import Consent, Purpose, Supporter

pytestmark = pytest.mark.django_db

PEOPLE = ["ann", "ben", "cat", "dan", "eve"]


@pytest.fixture
def three_places(owner: Membership) -> Event:
    return make_event(owner, capacity=3)


def answer(event: Event, name: str, **fields: Any) -> Attendance:
    take(event, RsvpRequest(email=f"{name}@example.net", given_name=name.title(), **fields))
    return Attendance.objects.get(event=event, email=f"{name}@example.net")


@pytest.fixture
def one_by_one_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """The single path must not be needed: the test fails if a chunk falls back to it."""

    def refuse(pk: int) -> int:
        raise AssertionError(f"attendance {pk} went through decide_one")

    monkeypatch.setattr(decisions, "decide_one", refuse)


def by_recipient(smtp: testing.LocalSMTPServer) -> dict[str, Any]:
    return {str(message["To"]): message for message in smtp.messages}


def body(message: Any) -> str:
    return str(message.get_body(("plain",)).get_content()).replace("\r\n", "\n")


def test_five_answers_for_three_places_give_places_then_the_list_in_arrival_order(
    three_places: Event, smtp_server: testing.LocalSMTPServer, one_by_one_fails: None
) -> None:
    rows = [answer(three_places, name) for name in PEOPLE]
    with CaptureQueriesContext(connection) as queries:
        assert decisions.decide_waiting() == 5
    # A handful of statements for the whole chunk, not ~15 per RSVP.
    assert len(queries.captured_queries) <= 16, [q["sql"][:90] for q in queries.captured_queries]
    states = dict(Attendance.objects.values_list("email", "state"))
    assert [states[f"{name}@example.net"] for name in PEOPLE] == [
        "going", "going", "going", "waitlisted", "waitlisted",
    ]  # fmt: skip
    assert smtp_server.messages == []  # nothing composed or sent while deciding
    assert letters.tell_decided() == 5
    sent = by_recipient(smtp_server)
    title = three_places.title
    for name in PEOPLE[:3]:
        assert sent[f"{name}@example.net"]["Subject"] == f"Your place at {title} is confirmed"
    for name in PEOPLE[3:]:
        assert sent[f"{name}@example.net"]["Subject"] == (
            f"You are on the waiting list for {title}"
        )
    # Each email is word for word the one composed for that person alone.
    for row in rows:
        row.refresh_from_db()
        assert row.told_at is not None
        message = sent[row.email]
        own = body(message)
        # Their private page's link is signed with the time: read it back, then compare.
        [page] = re.findall(r"https?://\S+/me/\S+", own)
        assert read_supporter_page_token(urlsplit(page).path.split("/")[-2]) == row.supporter_id
        subject, text = emails.decision(row, row.state, supporter_page=page)
        assert (message["Subject"], own.rstrip("\n")) == (subject, text)
        assert f"Dear {row.given_name}," in own
        assert emails.own_page_url(row) in own and emails.calendar_url(three_places) in own
        assert emails.cancel_url(row) in own
        assert message["From"] and message["Message-ID"].startswith(f"<rsvp-{row.state}.{row.pk}.")
    # Told once: another turn sends nothing.
    testing.run_periodic("decide_rsvps")
    assert len(smtp_server.messages) == 5


def test_people_the_organisation_knows_keep_their_record_and_new_ones_get_one(
    three_places: Event, smtp_server: testing.LocalSMTPServer, one_by_one_fails: None
) -> None:
    known = Supporter.objects.create(
        organisation=three_places.organisation,
        email="ben@example.net",
        email_key="ben@example.net",
        given_name="Benedict",
    )
    for name in PEOPLE:
        answer(three_places, name)
    testing.run_periodic("decide_rsvps")
    assert Supporter.objects.count() == 5
    ben = Attendance.objects.get(email="ben@example.net")
    assert ben.supporter_id == known.pk
    known.refresh_from_db()
    assert known.given_name == "Benedict"  # a later form never changes a known person
    ann = Attendance.objects.select_related("supporter").get(email="ann@example.net")
    assert ann.supporter is not None and ann.supporter.given_name == "Ann"
    assert ann.supporter.organisation_id == three_places.organisation_id
    assert Consent.objects.filter(purpose=Purpose.EVENT, granted=True).count() == 5
    assert len(smtp_server.messages) == 5


def test_share_links_of_an_attendee_a_signer_and_someone_in_the_same_batch_are_credited(
    three_places: Event,
    owner: Membership,
    petition: Any,
    smtp_server: testing.LocalSMTPServer,
    one_by_one_fails: None,
) -> None:
    first = answer(three_places, "ann")
    testing.run_periodic("decide_rsvps")
    first.refresh_from_db()
    signer = Supporter.objects.create(
        organisation=three_places.organisation, email="sig@example.net", email_key="sig@x"
    )
    link = ShareToken.objects.create(supporter=signer, petition=petition)
    ben = answer(three_places, "ben", referral_token=first.share_token)
    cat = answer(three_places, "cat", referral_token=link.token)
    dan = answer(three_places, "dan", referral_token=ben.share_token)  # ben, just before
    eve = answer(three_places, "eve", referral_token="no-such-link")
    testing.run_periodic("decide_rsvps")
    credited = dict(Attendance.objects.values_list("pk", "referred_by_id"))
    ben.refresh_from_db()
    assert credited[ben.pk] == first.supporter_id
    assert credited[cat.pk] == signer.pk
    assert credited[dan.pk] == ben.supporter_id
    assert credited[eve.pk] is None
    # Nobody is credited for their own RSVP, nor is an erased person.
    Attendance.objects.filter(pk=first.pk).update(state="cancelled")
    other = make_event(owner, campaign=three_places.campaign, title="A second pick")
    own = answer(other, "ann", referral_token=first.share_token)
    testing.run_periodic("decide_rsvps")
    own.refresh_from_db()
    assert own.supporter_id == first.supporter_id and own.referred_by_id is None


def test_the_updates_consent_is_stored_on_the_row_and_confirmed_from_the_email(
    client: Client,
    three_places: Event,
    smtp_server: testing.LocalSMTPServer,
    one_by_one_fails: None,
) -> None:
    for name in PEOPLE:
        answer(three_places, name, wants_updates=name in ("ann", "eve"))
    testing.run_periodic("decide_rsvps")
    for row in Attendance.objects.all():
        updates = Consent.objects.get(supporter=row.supporter, purpose=Purpose.UPDATES)
        assert updates.granted is row.wants_updates
        assert updates.wording_id == three_places.updates_wording_id
        assert row.updates_consent_id == (updates.pk if row.wants_updates else None)
        links = smtp_server.links(f"/rsvp/{row.token}/updates/")
        assert len(links) == (1 if row.wants_updates else 0)
    eve = Attendance.objects.get(email="eve@example.net")  # on the waiting list
    [link] = smtp_server.links(f"/rsvp/{eve.token}/updates/")
    assert client.post(urlsplit(link).path).status_code == 302
    assert eve.updates_consent_id is not None
    consent = Consent.objects.get(pk=eve.updates_consent_id)
    assert consent.confirmed_at is not None


def test_an_address_put_off_is_tried_again_and_the_others_go_at_once(
    three_places: Event,
    smtp_server_with: Any,
    clock: testing.FakeClock,
    one_by_one_fails: None,
) -> None:
    server = smtp_server_with(defer={"cat@example.net"})
    for name in PEOPLE:
        answer(three_places, name)
    testing.run_periodic("decide_rsvps")
    assert sorted(str(m["To"]) for m in server.messages) == [
        f"{name}@example.net" for name in PEOPLE if name != "cat"
    ]
    cat = Attendance.objects.get(email="cat@example.net")
    assert cat.told_at is None and cat.email_attempts == 1 and cat.email_retry_at
    testing.run_periodic("decide_rsvps")  # not due yet
    assert len(server.messages) == 4
    server.defer.clear()
    clock.advance(timedelta(minutes=2))
    testing.run_periodic("decide_rsvps")
    assert [str(m["To"]) for m in server.messages[4:]] == ["cat@example.net"]
    assert server.messages[4]["Subject"].startswith("Your place at")
    cat.refresh_from_db()
    assert cat.told_at is not None and cat.email_attempts == 0
    testing.run_periodic("decide_rsvps")
    assert len(server.messages) == 5


def test_an_erased_person_decided_but_not_yet_told_is_not_emailed(
    three_places: Event, owner: Membership, smtp_server: testing.LocalSMTPServer
) -> None:
    for name in PEOPLE[:2]:
        answer(three_places, name)
    decisions.decide_waiting()
    ann = Attendance.objects.select_related("supporter").get(email="ann@example.net")
    assert ann.supporter is not None
    assert erase_supporter(owner, ann.supporter)
    letters.tell_decided()
    assert [str(m["To"]) for m in smtp_server.messages] == ["ben@example.net"]


def test_an_answer_to_an_event_called_off_meanwhile_is_told_so(
    three_places: Event, owner: Membership, smtp_server: testing.LocalSMTPServer
) -> None:
    for name in PEOPLE[:2]:
        answer(three_places, name)
    cancel_event(owner, three_places)
    testing.run_periodic("decide_rsvps")
    assert set(Attendance.objects.values_list("state", flat=True)) == {"cancelled"}
    assert [m["Subject"] for m in smtp_server.messages] == [
        f"{three_places.title} is cancelled"
    ] * 2
    ann = Attendance.objects.get(email="ann@example.net")
    assert ann.decided_as == "cancelled" and ann.cancelled_at == ann.decided_at
    text = body(by_recipient(smtp_server)["ann@example.net"])
    assert "cancelled this event" in text and "/cancel/" not in text
    assert emails.own_page_url(ann) in text


def test_a_past_event_cancels_the_answer(
    owner: Membership, smtp_server: testing.LocalSMTPServer
) -> None:
    event = make_event(owner, capacity=3)
    answer(event, "ann")
    Event.objects.filter(pk=event.pk).update(
        starts_at=event.starts_at - timedelta(days=10), ends_at=event.ends_at - timedelta(days=10)
    )
    testing.run_periodic("decide_rsvps")
    assert Attendance.objects.get().state == "cancelled"
    assert [m["Subject"] for m in smtp_server.messages] == [f"{event.title} is cancelled"]


def test_a_person_created_meanwhile_sends_the_chunk_one_by_one_and_all_are_decided_once(
    three_places: Event, smtp_server: testing.LocalSMTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in PEOPLE:
        answer(three_places, name)
    # As if a signature created ben between the look-up and the INSERT.
    Supporter.objects.create(
        organisation=three_places.organisation, email="ben@example.net", email_key="ben@example.net"
    )
    real = decisions._look_up

    def stale(event: Event, rows: list[Any]) -> tuple[dict[str, int], dict[str, int]]:
        known, referrers = real(event, rows)
        known.pop("ben@example.net", None)
        return known, referrers

    monkeypatch.setattr(decisions, "_look_up", stale)
    testing.run_periodic("decide_rsvps")
    states = dict(Attendance.objects.values_list("email", "state"))
    assert [states[f"{name}@example.net"] for name in PEOPLE] == [
        "going", "going", "going", "waitlisted", "waitlisted",
    ]  # fmt: skip
    assert Supporter.objects.count() == 5
    assert Consent.objects.count() == 10
    assert sorted(str(m["To"]) for m in smtp_server.messages) == [
        f"{name}@example.net" for name in PEOPLE
    ]


def test_languages_are_grouped_and_each_row_is_told_once(
    three_places: Event, smtp_server: testing.LocalSMTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    real = emails.decision

    def noting(*args: Any, **kwargs: Any) -> tuple[str, str]:
        seen.append(str(translation.get_language()))
        return real(*args, **kwargs)

    monkeypatch.setattr(emails, "decision", noting)
    for name, language in zip(PEOPLE, ["en", "fr", "en", "fr", "en"], strict=True):
        answer(three_places, name, language=language)
    testing.run_periodic("decide_rsvps")
    # One letter per language and kind: en/going, fr/going, en/waitlisted, fr/waitlisted.
    assert sorted(seen) == ["en", "en", "fr", "fr"]
    assert len(smtp_server.messages) == 5


def test_rows_decided_before_the_migration_are_not_emailed_again(
    three_places: Event, smtp_server: testing.LocalSMTPServer
) -> None:
    from importlib import import_module

    migration = import_module("groundswell.events.migrations.0003_decision_emails")
    answer(three_places, "ann")
    decisions.decide_waiting()
    migration.told_already(apps, None)
    letters.tell_decided()
    assert smtp_server.messages == []


def test_cancelling_and_answering_again_is_told_afresh(
    client: Client, three_places: Event, smtp_server: testing.LocalSMTPServer
) -> None:
    ann = answer(three_places, "ann")
    testing.run_periodic("decide_rsvps")
    client.post(reverse("events:cancel", args=["alices", ann.token]))
    answer(three_places, "ann")
    testing.run_periodic("decide_rsvps")
    assert [m["Subject"] for m in smtp_server.messages] == [
        f"Your place at {three_places.title} is confirmed",
        f"You cancelled your RSVP to {three_places.title}",
        f"Your place at {three_places.title} is confirmed",
    ]


def test_the_waiting_list_moves_up_in_the_order_people_answered_not_by_row_id(
    owner: Membership, smtp_server: testing.LocalSMTPServer
) -> None:
    """A chunk decides its rows at one moment; someone who cancelled and answered again
    keeps their old (low) id but answered last, so is last in the queue."""
    event = make_event(owner, capacity=1)
    zoe = answer(event, "zoe")
    decisions.decide_waiting()
    assert cancel_attendance(Attendance.objects.get(pk=zoe.pk))
    ann = answer(event, "ann")
    decisions.decide_waiting()
    for name in ("ben", "cat", "zoe"):  # zoe answers again, after ben and cat
        answer(event, name)
    decisions.decide_waiting()
    assert Attendance.objects.get(pk=zoe.pk).state == "waitlisted"
    assert cancel_attendance(Attendance.objects.get(pk=ann.pk))
    assert waitlist.fill_places() == 1
    states = dict(Attendance.objects.values_list("given_name", "state"))
    assert states == {"Ann": "cancelled", "Ben": "going", "Cat": "waitlisted", "Zoe": "waitlisted"}


def test_an_email_no_longer_true_when_its_turn_comes_is_not_sent(
    owner: Membership, smtp_server: testing.LocalSMTPServer
) -> None:
    """Between the decision and its email (a greylisted address waits up to two days):
    the waiting list moved up, the person cancelled, or the event was called off."""
    event = make_event(owner, capacity=1)
    for name in ("ann", "ben"):
        answer(event, name)
    decisions.decide_waiting()  # Ann has the place, Ben waits; both emails owed
    assert cancel_attendance(Attendance.objects.get(email="ann@example.net"))
    assert waitlist.fill_places() == 1  # Ben moves up and is told so
    other = make_event(owner, event.campaign, title="Picnic at the weir", capacity=5)
    answer(other, "cat")
    decisions.decide_waiting()
    cancel_event(owner, other)  # its notice tells Cat
    letters.tell_decided()
    told = [(str(m["To"]), str(m["Subject"])) for m in smtp_server.messages]
    assert ("ben@example.net", f"A place at {event.title} is now yours") in told
    assert not [
        subject for to, subject in told if "waiting list" in subject or "confirmed" in subject
    ]
    assert not Attendance.objects.filter(letters.owed()).exists()  # done with, not retried


def test_a_mail_server_out_of_reach_pauses_the_emails_not_the_places(
    owner: Membership,
    settings: Settings,
    smtp_server_with: Callable[..., testing.LocalSMTPServer],
    clock: testing.FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    event = make_event(owner, capacity=1)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": closed, "timeout": 5},
        }
    }
    answer(event, "ann")
    with caplog.at_level(logging.WARNING):
        testing.run_periodic("decide_rsvps")  # does not fail: the task goes on
    answer(event, "ben")
    testing.run_periodic("decide_rsvps")  # paused: decides without trying the server
    states = dict(Attendance.objects.values_list("given_name", "state"))
    assert states == {"Ann": "going", "Ben": "waitlisted"}
    assert Attendance.objects.filter(letters.owed()).count() == 2  # still owed
    assert any("could not take them" in r.getMessage() for r in caplog.records)
    assert all("@" not in r.getMessage() for r in caplog.records)
    server = smtp_server_with()  # the mail server is back
    testing.run_periodic("decide_rsvps")
    assert server.messages == []  # still within the pause
    clock.advance(owed.MAIL_PAUSES[0])
    testing.run_periodic("decide_rsvps")
    assert sorted(str(m["To"]) for m in server.messages) == ["ann@example.net", "ben@example.net"]
    assert not Attendance.objects.filter(letters.owed()).exists()
