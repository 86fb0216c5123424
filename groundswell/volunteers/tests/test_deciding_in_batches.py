"""The worker decides volunteer sign-ups in batches and sends the emails they are owed in
batches, to a real SMTP server on 127.0.0.1: the same decisions and words as one by one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.actions.models import Petition
from groundswell.actions.services import SignatureRequest, first_share_token, sign_petition
from groundswell.lib.emails import normalise_email
from groundswell.notifications.owed import EMAIL_RETRY
from groundswell.supporters.erasure import erase_supporter
from groundswell.supporters.models import Consent, Supporter
from groundswell.supporters.services import find_or_create_supporter
from groundswell.volunteers import decide, telling
from groundswell.volunteers.models import DecisionEmail, Need, Shift, Signup, SignupState

from .conftest import make_shift, sign_up

pytestmark = pytest.mark.django_db

NAMES = ("ana", "ben", "cai", "dev")


def sign_up_all(client: Client, need: Need, shift: Shift, names: tuple[str, ...] = NAMES) -> None:
    for name in names:
        sign_up(client, need, shift, given_name=name.title(), email=f"{name}@example.net")


def test_two_slots_and_four_sign_ups_give_two_places_then_two_waitlisted_in_arrival_order(
    client: Client, need: Need, owner: Membership, smtp_server: testing.LocalSMTPServer
) -> None:
    shift = make_shift(owner, need, slots=2)
    sign_up_all(client, need, shift)
    testing.run_periodic("decide_signups")
    rows = list(Signup.objects.order_by("pk").values_list("given_name", "state", "email_owed"))
    assert rows == [
        ("Ana", "confirmed", ""), ("Ben", "confirmed", ""),
        ("Cai", "waitlisted", ""), ("Dev", "waitlisted", ""),
    ]  # fmt: skip
    mail = {message["To"]: message for message in smtp_server.messages}
    assert len(smtp_server.messages) == 4
    title = need.title
    for name in ("ana", "ben"):
        assert mail[f"{name}@example.net"]["Subject"] == f"Your place is confirmed: {title}"
    for name in ("cai", "dev"):
        assert mail[f"{name}@example.net"]["Subject"] == f"You are on the waitlist: {title}"
    for signup in Signup.objects.select_related("supporter"):
        message = mail[signup.email]
        # On the wire every line ends in CRLF; a body sent as 8bit keeps them when parsed.
        body = message.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
        assert body.startswith(f"Dear {signup.given_name},\n")
        assert f"/o/alices/volunteering/{signup.token}/" in body
        assert "Where: Alder Street depot" in body
        assert "What your sharing achieved:" in body
        assert body.rstrip().endswith(need.organisation.name)
        kind = "placed" if signup.state == SignupState.CONFIRMED else "waitlisted"
        decided = int(signup.decided_at.timestamp() * 1000)  # type: ignore[union-attr]
        assert message["Message-ID"].startswith(f"<volunteer-{kind}.{signup.pk}.{decided}@")
    waitlist = mail["cai@example.net"].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "is full, so you are on its waitlist" in waitlist
    testing.run_periodic("decide_signups")  # nothing decided or sent twice
    assert len(smtp_server.messages) == 4


def test_a_batch_costs_the_same_statements_however_many_sign_ups_it_holds(
    client: Client, need: Need, owner: Membership
) -> None:
    counts = []
    for names in (NAMES[:2], tuple(f"p{n}" for n in range(8))):
        shift = make_shift(owner, need, slots=3)
        sign_up_all(client, need, shift, names)
        with CaptureQueriesContext(connection) as queries:
            assert decide.decide_waiting() == len(names)
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]


def test_a_known_supporter_is_used_as_found_and_a_new_one_created_once(
    client: Client, need: Need, owner: Membership, smtp_server: testing.LocalSMTPServer
) -> None:
    known = find_or_create_supporter(
        need.organisation, email="ana@example.net", email_key=normalise_email("ana@example.net"),
        given_name="Anabel", family_name="Known",
    )  # fmt: skip
    first, second = make_shift(owner, need), make_shift(owner, need, hours=96)
    sign_up(client, need, first, given_name="Ana", email="ana@example.net")
    sign_up(client, need, first, given_name="Ben", family_name="New", email="ben@example.net")
    sign_up(client, need, second, given_name="Benjamin", email="ben@example.net")
    testing.run_periodic("decide_signups")
    ana = Signup.objects.get(email="ana@example.net")
    assert ana.supporter_id == known.pk
    known.refresh_from_db()
    assert (known.given_name, known.family_name) == ("Anabel", "Known")  # never overwritten
    (ben,) = Supporter.objects.filter(email_key="ben@example.net")
    assert (ben.given_name, ben.family_name) == ("Ben", "New")  # the first sign-up's details
    assert set(
        Signup.objects.filter(email="ben@example.net").values_list("supporter", flat=True)
    ) == {ben.pk}
    assert Supporter.objects.count() == 2
    assert all(s.state == SignupState.CONFIRMED for s in Signup.objects.all())


def test_a_share_link_of_a_sign_up_earlier_in_the_same_batch_is_credited(
    client: Client, need: Need, shift: Shift, owner: Membership
) -> None:
    sign_up(client, need, shift, given_name="Ana", email="ana@example.net")
    ana = Signup.objects.get()
    other = make_shift(owner, need)
    sign_up(client, need, other, given_name="Ben", email="ben@example.net", ref=ana.share_token)
    sign_up(client, need, other, given_name="Ana", email="ana@example.net", ref=ana.share_token)
    testing.run_periodic("decide_signups")  # all three in one batch
    ana.refresh_from_db()
    assert ana.supporter_id is not None
    assert Signup.objects.get(email="ben@example.net").referred_by_id == ana.supporter_id
    # Nobody is credited for bringing themselves.
    assert Signup.objects.get(email="ana@example.net", shift=other).referred_by_id is None


def test_a_signers_share_link_is_credited_unless_the_signer_was_erased(
    client: Client, need: Need, shift: Shift, owner: Membership, petition: Petition
) -> None:
    tokens = {}
    for name in ("sam", "tia"):
        signed = sign_petition(
            petition, SignatureRequest(email=f"{name}@example.net", given_name=name)
        )
        tokens[name] = (
            signed.signature.supporter_id,
            first_share_token(signed.signature.supporter, petition).token,
        )
    assert erase_supporter(owner, Supporter.objects.get(pk=tokens["tia"][0]))
    sign_up(client, need, shift, given_name="Ben", email="ben@example.net", ref=tokens["sam"][1])
    sign_up(client, need, shift, given_name="Cai", email="cai@example.net", ref=tokens["tia"][1])
    testing.run_periodic("decide_signups")
    assert Signup.objects.get(email="ben@example.net").referred_by_id == tokens["sam"][0]
    assert Signup.objects.get(email="cai@example.net").referred_by_id is None


def test_the_consent_given_on_the_form_stays_on_the_decided_row(
    client: Client, need: Need, shift: Shift
) -> None:
    sign_up(client, need, shift, email="ana@example.net")
    taken = Signup.objects.values_list("wording_id", "created_at").get()
    testing.run_periodic("decide_signups")
    signup = Signup.objects.get()
    assert signup.state == SignupState.CONFIRMED
    assert (signup.wording_id, signup.created_at) == taken
    assert signup.wording_id == need.wording_id
    # The words agreed are the row's own record, as when decided one by one: deciding
    # writes no consent of another kind.
    assert not Consent.objects.exists()


def test_a_recipient_put_off_is_retried_later_while_the_others_go(
    client: Client,
    need: Need,
    shift: Shift,
    smtp_server_with: Callable[..., testing.LocalSMTPServer],
    clock: testing.FakeClock,
) -> None:
    server = smtp_server_with(defer={"ana@example.net"})
    sign_up_all(client, need, shift, ("ana", "ben", "cai"))
    testing.run_periodic("decide_signups")
    assert sorted(m["To"] for m in server.messages) == ["ben@example.net", "cai@example.net"]
    ana = Signup.objects.get(email="ana@example.net")
    assert (ana.state, ana.email_owed, ana.email_attempts) == ("confirmed", "placed", 1)
    assert ana.email_retry_at == clock.moment + EMAIL_RETRY.waits[0]
    server.defer.clear()
    testing.run_periodic("decide_signups")  # not due yet
    assert len(server.messages) == 2
    clock.advance(EMAIL_RETRY.waits[0])
    testing.run_periodic("decide_signups")
    assert [m["To"] for m in server.messages[2:]] == ["ana@example.net"]
    assert "Your place is confirmed" in server.messages[2]["Subject"]
    ana.refresh_from_db()
    assert (ana.email_owed, ana.email_attempts) == ("", 0)
    assert ana.email_retry_at is None


def test_an_erased_sign_up_is_not_emailed(
    client: Client, need: Need, shift: Shift, owner: Membership,
    smtp_server: testing.LocalSMTPServer,
) -> None:  # fmt: skip
    sign_up_all(client, need, shift, ("ana", "ben"))
    assert decide.decide_waiting() == 2  # decided; the emails not sent yet
    assert set(Signup.objects.values_list("email_owed", flat=True)) == {"placed"}
    assert erase_supporter(owner, Supporter.objects.get(email="ana@example.net"))
    testing.run_periodic("decide_signups")
    assert [m["To"] for m in smtp_server.messages] == ["ben@example.net"]


def test_a_decision_no_longer_true_is_not_sent(
    client: Client, need: Need, owner: Membership, smtp_server: testing.LocalSMTPServer
) -> None:
    shift = make_shift(owner, need, slots=1)
    sign_up_all(client, need, shift, ("ana", "ben"))
    assert decide.decide_waiting() == 2
    ana = Signup.objects.get(email="ana@example.net")
    assert (
        client.post(f"/o/alices/volunteering/{ana.token}/", {"action": "cancel"}).status_code == 302
    )
    # Ben moved up before his "waitlist" email went: he gets "a place opened up" alone.
    assert [m["Subject"] for m in smtp_server.messages] == [f"A place opened up: {need.title}"]
    assert telling.tell_decided() == 2
    assert len(smtp_server.messages) == 1
    assert not Signup.objects.exclude(email_owed="").exists()


def test_rows_decided_before_the_queue_existed_are_not_emailed_again(
    client: Client, need: Need, shift: Shift, smtp_server: testing.LocalSMTPServer
) -> None:
    sign_up(client, need, shift, email="ana@example.net")
    # As the migration leaves a row decided (and emailed) by the old worker.
    Signup.objects.update(state=SignupState.CONFIRMED, email_owed=DecisionEmail.NONE)
    testing.run_periodic("decide_signups")
    assert smtp_server.messages == []


def test_each_email_is_in_the_volunteers_own_language(
    client: Client, need: Need, shift: Shift, smtp_server: testing.LocalSMTPServer
) -> None:
    sign_up_all(client, need, shift, ("ana", "ben"))
    # The form stores the language the page was shown in; French has Django's own words
    # for the days and months in the shift's date.
    Signup.objects.filter(email="ben@example.net").update(language="fr")
    testing.run_periodic("decide_signups")
    bodies = {m["To"]: m.get_body(("plain",)).get_content() for m in smtp_server.messages}  # type: ignore[union-attr]
    day = shift.starts_at.astimezone(need.zone)
    english = day.strftime("%A")
    french = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
    assert f"When: {english} " in bodies["ana@example.net"]
    assert french[day.weekday()] in bodies["ben@example.net"]
    assert english not in bodies["ben@example.net"]


def test_a_worker_killed_after_deciding_leaves_the_emails_owed_for_the_next_run(
    client: Client, need: Need, shift: Shift, smtp_server: testing.LocalSMTPServer
) -> None:
    sign_up(client, need, shift, email="ana@example.net")
    assert decide.decide_waiting() == 1
    assert smtp_server.messages == []
    testing.run_periodic("decide_signups")
    assert [m["To"] for m in smtp_server.messages] == ["ana@example.net"]
    assert Signup.objects.get().email_owed == ""


def test_a_cancelled_sign_up_signed_again_is_decided_and_emailed_afresh(
    client: Client, need: Need, shift: Shift, smtp_server: testing.LocalSMTPServer
) -> None:
    sign_up(client, need, shift, email="ana@example.net")
    testing.run_periodic("decide_signups")
    ana = Signup.objects.get()
    client.post(f"/o/alices/volunteering/{ana.token}/", {"action": "cancel"})
    sign_up(client, need, shift, email="ana@example.net")
    testing.run_periodic("decide_signups")
    assert Signup.objects.get().state == SignupState.CONFIRMED
    assert [m["Subject"] for m in smtp_server.messages] == [
        f"Your place is confirmed: {need.title}"
    ] * 2
    assert timedelta(0) <= Signup.objects.get().decided_at - ana.decided_at  # type: ignore[operator]
    # A new decision is a new message: mail services drop one whose Message-ID they hold.
    first, second = (m["Message-ID"] for m in smtp_server.messages)
    assert first != second and first.startswith(f"<volunteer-placed.{ana.pk}.")


def test_the_one_by_one_fallback_decides_alike_and_leaves_the_email_owed(
    client: Client, need: Need, owner: Membership, smtp_server: testing.LocalSMTPServer
) -> None:
    shift = make_shift(owner, need, slots=1)
    sign_up_all(client, need, shift, ("ana", "ben"))
    for signup in Signup.objects.order_by("pk"):
        assert decide.decide_one(signup.pk) == 1
        assert decide.decide_one(signup.pk) == 0  # decided once only
    rows = list(Signup.objects.order_by("pk").values_list("state", "email_owed"))
    assert rows == [("confirmed", "placed"), ("waitlisted", "waitlisted")]
    assert smtp_server.messages == []  # nothing sent inside the decision
    testing.run_periodic("decide_signups")
    # Sent over several connections at once: the server may take them in either order.
    assert sorted(m["To"] for m in smtp_server.messages) == ["ana@example.net", "ben@example.net"]
