"""Votes' confirmation emails: owed by the vote rows, sent in batches to a real SMTP server."""

from __future__ import annotations

import logging
import re
import struct
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import Settings

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.ideas import emails, intake, links, vote_emails
from groundswell.ideas.models import Challenge, Confirmation, Idea, Vote
from groundswell.notifications import bulk, owed
from groundswell.notifications.bulk import Outgoing
from groundswell.notifications.owed import EMAIL_RETRY
from groundswell.retention.services import run_organisation
from groundswell.supporters.erasure import erase_supporter
from groundswell.supporters.models import Supporter

pytestmark = pytest.mark.django_db
SEND = "send_vote_confirmations"
BEFORE = [("ideas", "0002_vote_token")]
AFTER = [("ideas", "0003_vote_confirmation_queue")]


def make_idea(challenge: Challenge, title: str = "Stepping stones at the ford") -> Idea:
    return Idea.objects.create(
        organisation=challenge.organisation,
        challenge=challenge,
        title=title,
        body="Put them back where the old ford was.",
        state=Confirmation.CONFIRMED,
    )


def vote(idea: Idea, email: str, name: str = "Ana", language: str = "") -> Vote:
    token = intake.take(idea, intake.VoteRequest(email=email, given_name=name, language=language))
    testing.run_periodic("process_vote_intake")
    return Vote.objects.get(share_token=token)


def text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content()).replace("\r\n", "\n")


def token_in(body: str) -> str:
    found = re.search(r"/ideas/confirm/([^/\s]+)/", body)
    assert found is not None
    return found.group(1)


def vote_ids(server: testing.LocalSMTPServer) -> Counter[str]:
    return Counter(m["Message-ID"] for m in server.messages)


def write_catalogue(folder: Path, language: str, messages: dict[str, str]) -> None:
    """A compiled gettext catalogue (the .mo format), so a test can see a language used."""
    entries = sorted({"": "Content-Type: text/plain; charset=UTF-8\n", **messages}.items())
    ids = [key.encode() for key, _ in entries]
    strs = [value.encode() for _, value in entries]
    start = 7 * 4 + 16 * len(entries)
    table, data = [], b""
    for text in ids + strs:
        table.append((len(text), start + len(data)))
        data += text + b"\0"
    header = struct.pack("<7I", 0x950412DE, 0, len(entries), 28, 28 + 8 * len(entries), 0, 0)
    offsets = b"".join(struct.pack("<2I", *pair) for pair in table)
    path = folder / language / "LC_MESSAGES" / "django.mo"
    path.parent.mkdir(parents=True)
    path.write_bytes(header + offsets + data)


def test_a_vote_is_emailed_once_in_its_voters_language_with_its_own_link(
    challenge: Challenge,
    smtp_server: testing.LocalSMTPServer,
    settings: Settings,
    tmp_path: Path,
    task_queue: None,
) -> None:
    write_catalogue(
        tmp_path / "locale", "fr", {"Confirm your vote": "Confirmez votre vote",
                                    "Dear %(name)s,": "Bonjour %(name)s,"},
    )  # fmt: skip
    settings.LOCALE_PATHS = [tmp_path / "locale", *settings.LOCALE_PATHS]
    settings.LANGUAGES = [("en", "English"), ("fr", "Français")]
    stones, benches = make_idea(challenge), make_idea(challenge, "Benches by the weir")
    ana = vote(stones, "ana@example.net", "Ana")
    omar = vote(benches, "omar@example.net", "Omar", language="fr")
    nameless = vote(stones, "anon@example.net", "")
    assert not DBTaskResult.objects.filter(task_path__endswith="send_email").exists()
    testing.run_periodic(SEND, SEND)  # a second run sends nothing more
    by_to = {m["To"]: m for m in smtp_server.messages}
    assert len(smtp_server.messages) == 3 and set(by_to) == {
        "ana@example.net", "omar@example.net", "anon@example.net",
    }  # fmt: skip
    bodies = {to: text(message) for to, message in by_to.items()}
    for person, address, idea in (
        (ana, "ana@example.net", stones),
        (omar, "omar@example.net", benches),
        (nameless, "anon@example.net", stones),
    ):
        assert by_to[address]["Message-ID"].startswith(f"<vote-confirm.{person.pk}@")
        assert links.read(token_in(bodies[address])) == ("vote", person.pk)
        assert f"“{idea.title}”" in bodies[address]
    assert by_to["omar@example.net"]["Subject"] == "Confirmez votre vote"
    assert bodies["omar@example.net"].startswith("Bonjour Omar,\n")
    # The words are those every other confirmation email has (emails.compose), exactly.
    for person, address in ((ana, "ana@example.net"), (nameless, "anon@example.net")):
        link = settings.SITE_URL + f"/ideas/confirm/{token_in(bodies[address])}/"
        with translation.override("en"):
            subject, body = emails.compose(
                kind="vote", name=person.supporter.given_name, what=stones.title,
                link=link, signature=challenge.organisation.name,
            )  # fmt: skip
        assert (by_to[address]["Subject"], bodies[address].rstrip("\n")) == (subject, body)
    assert bodies["anon@example.net"].startswith("Dear supporter,\n")
    assert not Vote.objects.filter(confirmation_emailed=False).exists()


def test_the_emailed_link_confirms_the_vote(
    client: Client, challenge: Challenge, smtp_server: testing.LocalSMTPServer
) -> None:
    ana = vote(make_idea(challenge), "ana@example.net")
    testing.run_periodic(SEND)
    link = smtp_server.links("/ideas/confirm/")[-1]
    assert client.post("/" + link.split("://", 1)[1].split("/", 1)[1]).status_code == 302
    ana.refresh_from_db()
    assert ana.state == "confirmed"


def test_a_voter_put_off_is_tried_again_later_while_the_others_go(
    challenge: Challenge,
    smtp_server_with: Callable[..., testing.LocalSMTPServer],
    clock: testing.FakeClock,
) -> None:
    server = smtp_server_with(defer={"busy@example.net"})
    idea = make_idea(challenge)
    busy = vote(idea, "busy@example.net")  # the lowest id: first in every batch
    for n in range(3):
        vote(idea, f"reader{n}@example.net")
    testing.run_periodic(SEND)
    assert sorted(m["To"] for m in server.messages) == [f"reader{n}@example.net" for n in range(3)]
    busy.refresh_from_db()
    assert (busy.confirmation_emailed, busy.email_attempts) == (False, 1)
    assert busy.email_retry_at == clock.moment + EMAIL_RETRY.waits[0]
    server.defer.clear()
    testing.run_periodic(SEND)  # not due yet: left alone
    assert len(server.messages) == 3
    clock.advance(EMAIL_RETRY.waits[0])
    testing.run_periodic(SEND)
    assert [m["To"] for m in server.messages[3:]] == ["busy@example.net"]
    busy.refresh_from_db()
    assert (busy.confirmation_emailed, busy.email_attempts) == (True, 0)
    assert busy.email_retry_at is None  # a try that went through starts afresh


def test_a_voter_put_off_at_every_try_is_given_up_without_naming_them(
    challenge: Challenge,
    smtp_server_with: Callable[..., testing.LocalSMTPServer],
    clock: testing.FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = smtp_server_with(defer={"busy@example.net"})
    busy = vote(make_idea(challenge), "busy@example.net")
    with caplog.at_level(logging.WARNING):
        for wait in (*EMAIL_RETRY.waits, timedelta(0)):
            busy.refresh_from_db()
            assert not busy.confirmation_emailed
            testing.run_periodic(SEND)
            clock.advance(wait)
    busy.refresh_from_db()
    assert busy.confirmation_emailed  # given up: not tried again
    assert server.messages == []
    assert any("gave up vote confirmation emails" in r.getMessage() for r in caplog.records)
    assert all("busy@example.net" not in r.getMessage() for r in caplog.records)


def test_a_kill_between_the_servers_250_and_our_record_resends_that_one_with_its_id(
    challenge: Challenge, smtp_server: testing.LocalSMTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    idea = make_idea(challenge)
    voters = [f"voter{n}@example.net" for n in range(5)]
    for address in voters:
        vote(idea, address)
    real_deliver = bulk.deliver  # as notifications/owed.py sees it
    records: list[list[Outgoing]] = []

    def killed_after_two_records(
        items: Sequence[Outgoing], record: bulk.Record, defer: bulk.Record | None = None
    ) -> int:
        def record_then_die(done: list[Outgoing]) -> None:
            if len(records) == 2:
                raise SystemExit("killed")  # as if the worker died here
            records.append(done)
            record(done)

        return real_deliver(items, record_then_die, defer)

    monkeypatch.setattr(owed, "deliver", killed_after_two_records)
    monkeypatch.setattr(bulk, "CONNECTIONS", 1)
    with pytest.raises(SystemExit):
        vote_emails.send_batch()
    assert len(smtp_server.messages) == 3  # two recorded, the third taken but not recorded
    assert Vote.objects.filter(confirmation_emailed=True).count() == 2
    monkeypatch.setattr(owed, "deliver", real_deliver)
    testing.run_periodic(SEND)  # the next run
    ids = vote_ids(smtp_server)
    assert sorted({m["To"] for m in smtp_server.messages}) == voters
    assert len(ids) == 5 and sum(ids.values()) == 6  # only the one in the gap, same Message-ID
    assert ids[smtp_server.messages[2]["Message-ID"]] == 2
    assert not Vote.objects.filter(confirmation_emailed=False).exists()


def test_an_erased_voter_is_not_emailed(
    owner: Membership, challenge: Challenge, smtp_server: testing.LocalSMTPServer
) -> None:
    idea = make_idea(challenge)
    rosa = vote(idea, "rosa@example.net", "Rosa")  # recorded, its email not sent yet
    omar = vote(idea, "omar@example.net", "Omar")
    assert erase_supporter(owner, Supporter.objects.get(pk=rosa.supporter_id))
    # Omar votes again for another idea and is erased while that vote waits in the intake.
    intake.take(make_idea(challenge, "Benches"), intake.VoteRequest(email="omar@example.net",
                                                                    given_name="Omar"))  # fmt: skip
    assert erase_supporter(owner, Supporter.objects.get(pk=omar.supporter_id))
    testing.run_periodic("process_vote_intake", SEND)
    assert smtp_server.messages == []
    assert list(Vote.objects.order_by("pk").values_list("pk", flat=True)) == [rosa.pk, omar.pk]
    # Nobody left to write to: no longer owed, so no later run writes either.
    assert not Vote.objects.filter(vote_emails.owed()).exists()


def test_a_vote_deleted_by_retention_before_its_email_is_not_emailed(
    owner: Membership, challenge: Challenge, smtp_server: testing.LocalSMTPServer
) -> None:
    idea = make_idea(challenge)
    old = vote(idea, "old@example.net")
    Vote.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    outcomes = {each.kind.name: each.counts for each in run_organisation(owner.organisation)}
    assert outcomes["ideas.unconfirmed"]["votes"] == 1
    testing.run_periodic(SEND)
    assert smtp_server.messages == []


@pytest.mark.django_db(transaction=True)
def test_votes_recorded_before_the_change_are_not_emailed_again(challenge: Challenge) -> None:
    """Their emails were queued as tasks of their own (which still run): the migration
    marks them done, and only votes recorded after it owe one."""
    idea = make_idea(challenge)
    people = [
        Supporter.objects.create(
            organisation=challenge.organisation,
            email=f"{who}@example.net",
            email_key=f"{who}@example.net",
        )
        for who in ("old", "new")
    ]
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("ideas", "Vote")
    before = old.objects.create(idea_id=idea.pk, supporter_id=people[0].pk, share_token="t1")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    after = Vote.objects.create(idea=idea, supporter=people[1], share_token="t2")
    assert Vote.objects.get(pk=before.pk).confirmation_emailed
    assert list(Vote.objects.filter(vote_emails.owed()).values_list("pk", flat=True)) == [after.pk]


def test_a_stored_name_is_cleaned_before_it_greets_anyone(
    challenge: Challenge, smtp_server: testing.LocalSMTPServer
) -> None:
    """The greeting comes from the supporter record, which may hold a name from before the
    forms refused links, or from the API: cleaned as every other email cleans it."""
    idea = make_idea(challenge)
    stored = {
        "link@example.net": "http://cheap-pills.example/buy",
        "long@example.net": "Ana" * 33,
        "hidden@example.net": "Ana\u202eevil",
        "blank@example.net": "    ",
    }
    for address, name in stored.items():
        Supporter.objects.create(
            organisation=challenge.organisation, email=address, email_key=address,
            given_name=name,
        )  # fmt: skip
        vote(idea, address, "Ana")
    testing.run_periodic(SEND)
    greetings = {m["To"]: text(m).split("\n", 1)[0] for m in smtp_server.messages}
    assert greetings["link@example.net"] == "Dear supporter,"
    assert greetings["blank@example.net"] == "Dear supporter,"
    assert "\u202e" not in greetings["hidden@example.net"]
    assert greetings["long@example.net"].startswith("Dear Ana")
    assert len(greetings["long@example.net"]) < len("Dear ,") + 33 * 3
