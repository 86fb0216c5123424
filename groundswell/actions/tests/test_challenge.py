"""The browser check staff switch on for a petition under attack: a proof of work checked in
the request with no query, replays caught by the worker, and people without JavaScript
still signing, unverified and uncounted until they confirm by email."""

from __future__ import annotations

import re
import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groundswell import testing
from groundswell.accounts.models import Membership, Role
from groundswell.actions import intake
from groundswell.actions.models import Petition, Signature, SignatureIntake, SignatureState
from groundswell.actions.petitions import set_challenge
from groundswell.actions.services import confirm_signature, recount
from groundswell.actions.signals import Signal
from groundswell.audit.models import AuditEntry
from groundswell.lib import formtiming, proofofwork

CHALLENGE = re.compile(r'name="challenge" value="([^"]+)"')
EASY = 64  # expected tries in these tests; the real difficulty is tested in lib and the browser


@pytest.fixture
def queued(task_queue: None) -> None:
    """A real task queue: nothing runs until the test processes the intake itself."""


@pytest.fixture
def guarded(owner: Membership, petition: Petition, monkeypatch: pytest.MonkeyPatch) -> Petition:
    monkeypatch.setattr(proofofwork, "EXPECTED_TRIES", EASY)
    assert set_challenge(owner, petition, on=True)
    intake.forget_cached_petitions()
    return petition


def sign_url(petition: Petition) -> str:
    return reverse("actions:sign", args=[petition.organisation.slug, petition.pk])


def page_challenge(client: Client, petition: Petition) -> str:
    found = CHALLENGE.search(client.get(petition.get_absolute_url()).content.decode())
    assert found, "the sign form carries no challenge"
    return found[1]


def form(email: str, **extra: str) -> dict[str, str]:
    shown = formtiming.stamp(time.time() - 30)
    return {"given_name": "Ana", "email": email, "consent": "on", "shown": shown, **extra}


def solved(client: Client, petition: Petition) -> dict[str, str]:
    challenge = page_challenge(client, petition)
    return {"challenge": challenge, "proof": proofofwork.solve(challenge)}


def tally(petition: Petition) -> tuple[int, int, int]:
    counted = recount(petition.pk)
    return counted.confirmed, counted.pending, counted.unverified


def test_the_form_carries_a_challenge_and_its_script_only_while_it_is_on(
    client: Client, owner: Membership, petition: Petition
) -> None:
    html = client.get(petition.get_absolute_url()).content.decode()
    assert 'name="challenge"' not in html and "proof.js" not in html
    set_challenge(owner, petition, on=True)
    testing_page = client.get(petition.get_absolute_url() + "?x=fresh").content.decode()
    assert CHALLENGE.search(testing_page) and 'name="proof" value=""' in testing_page
    assert "proof.js" in testing_page and 'aria-live="polite"' in testing_page
    assert "Without it you can still sign" in testing_page


def test_a_solved_check_is_accepted_with_no_query_and_counted_as_waiting(
    client: Client, guarded: Petition, queued: None
) -> None:
    client.post(sign_url(guarded), form("warm@example.net", **solved(client, guarded)))
    answer = solved(client, guarded)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(sign_url(guarded), form("ana@example.net", **answer))
    assert response.status_code == 302 and "unverified" not in response["Location"]
    assert [q["sql"].split()[:3] for q in queries] == [
        ["INSERT", "INTO", "ratelimit_count"],
        ["INSERT", "INTO", "actions_signatureintake"],
    ]
    assert tally(guarded) == (0, 2, 0)
    intake.process()
    signature = Signature.objects.get(supporter__email="ana@example.net")
    assert signature.signals == 0
    assert signature.proof_key == proofofwork.check(answer["challenge"], answer["proof"])
    assert tally(guarded) == (0, 2, 0)


def test_without_javascript_a_signature_waits_unverified_until_confirmed(
    client: Client, guarded: Petition, queued: None
) -> None:
    challenge = page_challenge(client, guarded)
    response = client.post(sign_url(guarded), form("nojs@example.net", challenge=challenge))
    assert response.status_code == 302 and response["Location"].endswith("?unverified=1")
    thanks = client.get(response["Location"]).content.decode()
    assert "is not counted until you confirm it" in thanks
    # Not in the public count, in the intake or recorded; staff see it as unverified.
    assert tally(guarded) == (0, 0, 1)
    intake.process()
    signature = Signature.objects.get()
    assert Signal(signature.signals) == Signal.NO_PROOF
    assert tally(guarded) == (0, 0, 1)
    page = client.get(guarded.get_absolute_url() + "?x=1").content.decode()
    assert "waiting for email confirmation" not in page
    confirm_signature(signature.pk)
    assert tally(guarded) == (1, 0, 0)


def test_a_solution_used_twice_is_taken_and_marked_as_a_replay(
    client: Client, guarded: Petition, queued: None
) -> None:
    answer = solved(client, guarded)
    client.post(sign_url(guarded), form("first@example.net", **answer))
    client.post(sign_url(guarded), form("second@example.net", **answer))  # same batch
    intake.process()
    client.post(sign_url(guarded), form("third@example.net", **answer))  # a later batch
    intake.process()
    found = dict(Signature.objects.values_list("supporter__email", "signals"))
    assert found == {
        "first@example.net": 0,
        "second@example.net": Signal.REPLAY,
        "third@example.net": Signal.REPLAY,
    }
    assert tally(guarded) == (0, 1, 2)


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda a: {**a, "proof": a["proof"].split(".")[0] + ".x"}, "did not work out"),
        (lambda a: {**a, "challenge": a["challenge"].replace(".64.", ".1.")}, "did not work out"),
        (lambda a: {"challenge": "", "proof": a["proof"]}, "did not work out"),
    ],
)
def test_a_forged_solution_is_refused_clearly_and_keeps_what_was_typed(
    client: Client, guarded: Petition, spoil: object, message: str
) -> None:
    sent = spoil(solved(client, guarded))  # type: ignore[operator]
    response = client.post(sign_url(guarded), form("ana@example.net", family_name="Kept", **sent))
    assert response.status_code == 400
    html = response.content.decode()
    assert "<title>Error:" in html and message in html
    assert 'value="Kept"' in html and 'value="ana@example.net"' in html
    # A fresh challenge to solve, and nothing stored.
    assert CHALLENGE.search(html)[1] != sent["challenge"]  # type: ignore[index]
    assert not SignatureIntake.objects.exists() and not Signature.objects.exists()


def test_an_expired_challenge_asks_to_press_sign_again(client: Client, guarded: Petition) -> None:
    old = proofofwork.new_challenge(now=time.time() - proofofwork.LIFETIME_SECONDS - 60)
    sent = {"challenge": old, "proof": proofofwork.solve(old)}
    response = client.post(sign_url(guarded), form("ana@example.net", **sent))
    assert response.status_code == 400
    assert "open too long for its browser check" in response.content.decode()
    assert not SignatureIntake.objects.exists()


def test_the_api_helper_cannot_go_around_the_check(
    client: Client, guarded: Petition, queued: None
) -> None:
    from groundswell.api.tests.calls import person, post_helper

    response = post_helper(client, guarded, person("api@example.net"))
    assert response.status_code == 200
    intake.process()
    assert Signal(Signature.objects.get().signals) == Signal.NO_PROOF


def test_staff_switch_it_with_an_audit_entry_and_an_analyst_cannot(
    client: Client, owner: Membership, editor: Membership, petition: Petition
) -> None:
    url = reverse("actions:staff_challenge", args=[owner.organisation.slug, petition.pk])
    client.force_login(editor.user)
    response = client.post(url, {"challenge": "on"})
    assert response.status_code == 302
    petition.refresh_from_db()
    assert petition.challenge
    entry = AuditEntry.objects.get(action="petition.challenge_on")
    assert entry.actor == editor.user and entry.target_id == str(petition.pk)
    page = client.get(response["Location"]).content.decode()
    assert "The browser check is on." in page and "Turn the browser check off" in page
    assert client.post(url, {"challenge": "on"}).status_code == 302  # no change, no entry
    assert AuditEntry.objects.filter(action__startswith="petition.challenge").count() == 1
    bad = client.post(url, {"challenge": "maybe"})
    assert bad.status_code == 400 and "turn the browser check on or off" in bad.content.decode()
    analyst = testing.add_member(
        owner.organisation, testing.make_user("an@example.org", "An Analyst"), Role.ANALYST
    )
    client.force_login(analyst.user)
    assert client.post(url, {"challenge": "off"}).status_code == 403
    petition.refresh_from_db()
    assert petition.challenge
    client.force_login(owner.user)
    client.post(url, {"challenge": "off"})
    petition.refresh_from_db()
    assert not petition.challenge
    assert AuditEntry.objects.filter(action="petition.challenge_off").count() == 1


def test_a_confirmed_unverified_signature_counts(
    client: Client, guarded: Petition, queued: None
) -> None:
    client.post(sign_url(guarded), form("nojs@example.net"))
    intake.process()
    signature = Signature.objects.get()
    confirm_signature(signature.pk)
    signature.refresh_from_db()
    assert signature.state == SignatureState.CONFIRMED
    assert Signal(signature.signals) == Signal.NO_PROOF  # still there for staff to read
    assert tally(guarded) == (1, 0, 0)
