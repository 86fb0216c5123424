"""An organiser's change or cancellation reaches everyone coming once, in resumable steps
(notices.py): quick edits fold into one email with the latest details, a cancellation takes
over a change not yet sent, and a step that fails half way is resumed without doubles."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pytest_django.fixtures import Settings

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.events import intake, notices, services
from groundswell.events.models import Event, EventNotice, NoticeDelivery, NoticeState

from .conftest import make_event

pytestmark = pytest.mark.django_db

SEND = "send_event_notices"


def coming(event: Event, *emails: str) -> None:
    for email in emails:
        intake.take(event, intake.RsvpRequest(email=email, given_name="Nia"))
    testing.run_periodic("decide_rsvps")


def told(smtp: testing.LocalSMTPServer, subject: str) -> list[str]:
    return sorted(str(m["To"]) for m in smtp.messages if subject in str(m["Subject"]))


def test_quick_edits_fold_into_one_email_each_with_the_latest_details(
    owner: Membership, smtp_server: testing.LocalSMTPServer, clock: testing.FakeClock
) -> None:
    event = make_event(owner, capacity=2)
    coming(event, "a@example.net", "b@example.net", "c@example.net")  # c waits on the list
    services.update_event(owner, event, {"venue": "Alder Mill, gate B"})
    clock.advance(timedelta(minutes=1))
    services.update_event(owner, event, {"venue": "Alder Mill, gate C"})
    testing.run_periodic(SEND)
    assert told(smtp_server, "has changed") == []  # still within the delay of the last edit
    clock.advance(notices.NOTICE_DELAY - timedelta(seconds=1))
    testing.run_periodic(SEND)
    assert told(smtp_server, "has changed") == []  # the delay counts from the last edit
    clock.advance(timedelta(seconds=2))
    testing.run_periodic(SEND)
    assert told(smtp_server, "has changed") == ["a@example.net", "b@example.net", "c@example.net"]
    bodies = [b for b in smtp_server.bodies() if "changed the time or the place" in b]
    assert all("gate C" in body and "gate B" not in body for body in bodies)
    testing.run_periodic(SEND)
    assert len(told(smtp_server, "has changed")) == 3  # once each
    notice = EventNotice.objects.get()
    assert notice.finished_at is not None and notice.recipients == 3
    event.refresh_from_db()
    assert event.sequence == 2  # iCalendar still counts each change


def test_an_edit_after_the_notice_started_is_a_notice_of_its_own(
    owner: Membership, smtp_server: testing.LocalSMTPServer, clock: testing.FakeClock
) -> None:
    event = make_event(owner, capacity=0)
    coming(event, "a@example.net")
    services.update_event(owner, event, {"venue": "Gate B"})
    clock.advance(notices.NOTICE_DELAY)
    testing.run_periodic(SEND)
    services.update_event(owner, event, {"venue": "Gate C"})
    clock.advance(notices.NOTICE_DELAY)
    testing.run_periodic(SEND)
    bodies = [b for b in smtp_server.bodies() if "changed the time or the place" in b]
    assert len(bodies) == 2 and "Gate B" in bodies[0] and "Gate C" in bodies[1]


def test_a_cancel_takes_over_a_change_not_yet_sent_and_goes_at_once(
    owner: Membership, smtp_server: testing.LocalSMTPServer, clock: testing.FakeClock
) -> None:
    event = make_event(owner, capacity=1)
    coming(event, "a@example.net", "b@example.net")
    services.update_event(owner, event, {"venue": "Gate B"})
    assert services.cancel_event(owner, event)
    testing.run_periodic(SEND)
    assert told(smtp_server, "is cancelled") == ["a@example.net", "b@example.net"]
    clock.advance(notices.NOTICE_DELAY * 2)
    testing.run_periodic(SEND)
    assert told(smtp_server, "has changed") == []
    assert len(told(smtp_server, "is cancelled")) == 2
    assert EventNotice.objects.get().kind == "cancelled"


def test_someone_who_cancelled_after_listing_is_not_told(
    owner: Membership, smtp_server: testing.LocalSMTPServer, clock: testing.FakeClock
) -> None:
    event = make_event(owner, capacity=0)
    coming(event, "a@example.net", "b@example.net")
    services.cancel_event(owner, event)
    notice = EventNotice.objects.get()
    notices._list(notice)  # listed, then b frees their place before the sending
    b = event.attendances.get(email="b@example.net")
    assert services.cancel_attendance(b)
    testing.run_periodic(SEND)
    assert told(smtp_server, "is cancelled") == ["a@example.net"]
    states = set(NoticeDelivery.objects.values_list("state", flat=True))
    assert states == {NoticeState.SENT, NoticeState.SKIPPED}


def test_a_step_that_fails_half_way_is_resumed_without_sending_anyone_twice(
    owner: Membership, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notices, "NOTICE_BATCH", 2)
    event = make_event(owner, capacity=0)
    everyone = [f"p{n}@example.net" for n in range(5)]
    quiet = testing.LocalSMTPServer()
    quiet.use(settings)
    try:
        coming(event, *everyone)
    finally:
        quiet.stop()
    services.cancel_event(owner, event)
    failing = testing.LocalSMTPServer(accept=3)  # goes away after three messages
    failing.use(settings)
    try:
        with pytest.raises(Exception):  # noqa: B017 (whatever the lost server raises)
            for _turn in range(5):
                notices.notice_step()
    finally:
        failing.stop()
    assert len(failing.messages) == 3
    notice = EventNotice.objects.get()
    assert notice.finished_at is None and (notice.holder, notice.until) == ("", None)
    healthy = testing.LocalSMTPServer()
    healthy.use(settings)
    try:
        for _turn in range(6):  # the worker's next turns (run_periodic takes 400 a step)
            notices.notice_step()
    finally:
        healthy.stop()
    sent = failing.messages + healthy.messages
    assert sorted(str(m["To"]) for m in sent) == everyone
    ids = [str(m["Message-ID"]) for m in sent]
    assert len(set(ids)) == 5
    notice.refresh_from_db()
    assert notice.finished_at is not None and notice.recipients == 5


def test_a_step_leaves_a_notice_alone_while_another_step_holds_it(
    owner: Membership, smtp_server: testing.LocalSMTPServer, clock: testing.FakeClock
) -> None:
    from groundswell.lib import leases

    event = make_event(owner, capacity=0)
    coming(event, "a@example.net")
    services.cancel_event(owner, event)
    rows = EventNotice.objects.filter(event=event)
    assert leases.take(rows, "another step", clock.moment, notices.NOTICE_LEASE)
    testing.run_periodic(SEND)
    assert told(smtp_server, "is cancelled") == []
    clock.advance(notices.NOTICE_LEASE + timedelta(seconds=1))  # the holder died
    testing.run_periodic(SEND)
    assert told(smtp_server, "is cancelled") == ["a@example.net"]
