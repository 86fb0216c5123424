"""Our fediverse replies after they are written: those who may approve are told of the
ones waiting (one email per batch, from the worker), and one that could not be sent can be
tried again from the signal's page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, Role
from groundswell.audit.models import AuditEntry
from groundswell.listening import approvals, services
from groundswell.listening.models import ReplyState, Signal, SignalReply, SignalSource

pytestmark = pytest.mark.django_db
BOARD = "/staff/alices/listening/"
SITE = "https://groundswell.example"


def heard(org: Organisation, n: int) -> Signal:
    return Signal.objects.create(
        organisation=org,
        source=SignalSource.MENTION,
        external_id=f"https://social.example/users/zoe/statuses/{n}",
        url=f"https://social.example/@zoe/{n}",
        author_name="Zoe Walker",
        author_handle="@zoe@social.example",
        author_key="https://social.example/users/zoe",
        text=f"Question number {n} about the march.",
    )


@pytest.fixture
def approving(org: Organisation, settings: Settings) -> Organisation:
    settings.SITE_URL = SITE
    Organisation.objects.filter(pk=org.pk).update(approval_required=True)
    org.refresh_from_db()
    return org


def reply_as(member: Membership, signal: Signal, text: str) -> SignalReply:
    member = testing.membership(member.user, member.organisation)  # the organisation as stored
    return services.reply(member, signal, text)


def test_ten_replies_written_in_a_minute_make_one_email_to_each_active_owner(
    clock: testing.FakeClock,
    approving: Organisation,
    owner: Membership,
    editor: Membership,
    smtp_server: testing.LocalSMTPServer,
) -> None:
    olga = testing.add_member(approving, testing.make_user("olga@example.org", "Olga"), Role.OWNER)
    gone = testing.make_user("gone@example.org", "Gone Owner")
    testing.add_member(approving, gone, Role.OWNER)
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    testing.add_member(approving, testing.make_user("mo@example.org", "Mo"), Role.MODERATOR)
    written = [reply_as(editor, heard(approving, n), f"Answer number {n}") for n in range(10)]
    assert {answer.state for answer in written} == {ReplyState.AWAITING}

    testing.run_periodic("tell_approvers")
    assert smtp_server.messages == []  # still gathering what is written together

    clock.advance(approvals.GATHER + timedelta(seconds=1))
    testing.run_periodic("tell_approvers")

    assert sorted(str(message["To"]) for message in smtp_server.messages) == [
        "alice@example.org",
        olga.user.email,
    ]
    assert "10 fediverse replies wait for your approval" in str(smtp_server.messages[0]["Subject"])
    body = smtp_server.bodies()[0]
    for answer in written:
        assert f"{SITE}{BOARD}signals/{answer.signal_id}/" in body
    assert "Answer number 7" in body and "Bob Editor, answering @zoe@social.example" in body
    assert f"{SITE}{BOARD}?show=approval" in body
    assert SignalReply.objects.filter(approvers_told_at__isnull=True).count() == 0

    clock.advance(timedelta(minutes=1))
    testing.run_periodic("tell_approvers")
    assert len(smtp_server.messages) == 2  # each reply is told of once


def test_replies_waiting_while_no_approver_is_active_are_told_to_the_next_one(
    clock: testing.FakeClock,
    approving: Organisation,
    owner: Membership,
    editor: Membership,
    smtp_server: testing.LocalSMTPServer,
) -> None:
    alice = owner.user
    alice.is_active = False  # the only owner, away for now
    alice.save(update_fields=["is_active"])
    answer = reply_as(editor, heard(approving, 1), "Waiting for an owner")
    clock.advance(approvals.GATHER + timedelta(seconds=1))
    testing.run_periodic("tell_approvers")
    assert smtp_server.messages == []
    answer.refresh_from_db()
    assert answer.approvers_told_at is None

    alice.is_active = True
    alice.save(update_fields=["is_active"])
    clock.advance(timedelta(minutes=1))
    testing.run_periodic("tell_approvers")
    assert [str(message["To"]) for message in smtp_server.messages] == ["alice@example.org"]
    assert "Waiting for an owner" in smtp_server.bodies()[0]


def test_a_reply_within_the_throttle_waits_for_the_next_email(
    clock: testing.FakeClock,
    approving: Organisation,
    editor: Membership,
    smtp_server: testing.LocalSMTPServer,
) -> None:
    reply_as(editor, heard(approving, 1), "The first answer")
    clock.advance(approvals.GATHER + timedelta(seconds=1))
    testing.run_periodic("tell_approvers")
    assert len(smtp_server.messages) == 1

    later = reply_as(editor, heard(approving, 2), "The second answer")
    clock.advance(approvals.GATHER * 2)
    testing.run_periodic("tell_approvers")
    assert len(smtp_server.messages) == 1  # one email per organisation per THROTTLE

    clock.advance(approvals.THROTTLE)
    testing.run_periodic("tell_approvers")
    assert len(smtp_server.messages) == 2
    body = smtp_server.bodies()[1]
    assert "The second answer" in body and "The first answer" not in body
    assert "A fediverse reply waits for your approval" in str(smtp_server.messages[1]["Subject"])
    assert f"{BOARD}signals/{later.signal_id}/" in body


def test_an_approved_reply_is_not_emailed_about(
    clock: testing.FakeClock,
    approving: Organisation,
    owner: Membership,
    editor: Membership,
    smtp_server: testing.LocalSMTPServer,
) -> None:
    answer = reply_as(editor, heard(approving, 1), "Soon approved")
    services.approve_reply(testing.membership(owner.user, approving), answer)
    clock.advance(approvals.GATHER + timedelta(seconds=1))
    testing.run_periodic("tell_approvers")
    assert smtp_server.messages == []


def test_the_board_and_the_dashboard_count_the_replies_waiting(
    client: Client, approving: Organisation, owner: Membership, editor: Membership
) -> None:
    waiting = heard(approving, 1)
    reply_as(editor, waiting, "One")
    reply_as(editor, waiting, "Two")
    other = heard(approving, 2)
    client.force_login(owner.user)

    board = client.get(BOARD).content.decode()
    assert 'href="?show=approval">Replies to approve (2)</a>' in board
    listed = client.get(BOARD + "?show=approval").content.decode()
    assert f"{BOARD}signals/{waiting.pk}/" in listed
    assert f"{BOARD}signals/{other.pk}/" not in listed
    dashboard = client.get("/staff/alices/").content.decode()
    assert "2 fediverse replies wait for approval" in dashboard
    assert f'href="{BOARD}?show=approval"' in dashboard


def failed_reply(org: Organisation, owner: Membership) -> SignalReply:
    answer = reply_as(owner, heard(org, 1), "Noon, at the bridge!")
    SignalReply.objects.filter(pk=answer.pk).update(
        state=ReplyState.FAILED, error="The author's server did not take it: the inbox answered 403"
    )
    return SignalReply.objects.get(pk=answer.pk)


def test_a_failed_reply_is_tried_again_from_its_signals_page_and_audited(
    client: Client, org: Organisation, owner: Membership
) -> None:
    answer = failed_reply(org, owner)
    page = f"{BOARD}signals/{answer.signal_id}/"
    retry = f"{BOARD}replies/{answer.pk}/retry/"
    client.force_login(owner.user)
    html = client.get(page).content.decode()
    assert "Could not be sent" in html and "the inbox answered 403" in html
    assert f'action="{retry}"' in html and "Try sending it again" in html

    response = client.post(retry, follow=True)

    assert response.redirect_chain == [(page, 302)]
    assert "The reply is queued again" in response.content.decode()
    answer.refresh_from_db()
    assert (answer.state, answer.error, answer.note_uri) == (ReplyState.QUEUED, "", "")
    entry = AuditEntry.objects.get(action="listening.reply_retried")
    assert "the inbox answered 403" in entry.summary
    assert f'action="{retry}"' not in client.get(page).content.decode()


def test_a_reply_that_did_not_fail_is_not_tried_again(
    client: Client, org: Organisation, owner: Membership
) -> None:
    answer = reply_as(owner, heard(org, 1), "Noon, at the bridge!")
    client.force_login(owner.user)

    refused = client.post(f"{BOARD}replies/{answer.pk}/retry/")

    assert refused.status_code == 400
    html = refused.content.decode()
    assert "Only a reply that could not be sent can be tried again" in html
    assert "error-summary" in html
    answer.refresh_from_db()
    assert answer.state == ReplyState.QUEUED
    assert not AuditEntry.objects.filter(action="listening.reply_retried").exists()


def test_only_those_who_may_reply_try_again_and_only_in_their_organisation(
    client: Client, org: Organisation, owner: Membership
) -> None:
    answer = failed_reply(org, owner)
    retry = f"{BOARD}replies/{answer.pk}/retry/"
    analyst = testing.make_user("ana@example.org", "Ana")
    testing.add_member(org, analyst, Role.ANALYST)
    client.force_login(analyst)
    assert client.post(retry).status_code == 403
    assert (
        "Try sending it again"
        not in client.get(f"{BOARD}signals/{answer.signal_id}/").content.decode()
    )
    carol = testing.make_user("carol@example.org", "Carol")
    testing.make_organisation(carol, name="Other", slug="other")
    client.force_login(carol)
    assert client.post(f"/staff/other/listening/replies/{answer.pk}/retry/").status_code == 404
    answer.refresh_from_db()
    assert answer.state == ReplyState.FAILED
