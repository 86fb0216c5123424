"""Quieter signals: the request writes raw facts into the intake, the worker records the
signals on the signature, staff see counts and a list; nothing is refused or dropped."""

from __future__ import annotations

import re
import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.actions import intake, signals
from groundswell.actions.models import Petition, Signature, SignatureIntake, SignatureState
from groundswell.actions.services import SignatureRequest, confirm_signature, recount, sign_petition
from groundswell.actions.signals import Signal
from groundswell.lib import formtiming

SHOWN = re.compile(r'name="shown" value="([^"]+)"')


@pytest.fixture
def queued(task_queue: None) -> None:
    """A real task queue: nothing runs until the test processes the intake itself."""


def sign_url(petition: Petition) -> str:
    return reverse("actions:sign", args=[petition.organisation.slug, petition.pk])


def shown_stamp(client: Client, petition: Petition) -> str:
    """The stamp the petition's page carries, as a browser would send it back."""
    found = SHOWN.search(client.get(petition.get_absolute_url()).content.decode())
    assert found, "the sign form carries no render stamp"
    return found[1]


def post(client: Client, petition: Petition, email: str, **extra: str) -> None:
    data = {"given_name": "Ana", "email": email, "consent": "on", **extra}
    response = client.post(sign_url(petition), data)
    assert response.status_code == 302, response.content[:500]


def signals_of(email: str) -> Signal:
    return Signal(Signature.objects.get(supporter__email=email).signals)


def a_while_ago() -> str:
    return formtiming.stamp(time.time() - 30)


def test_the_worker_turns_the_facts_into_signals_and_records_every_signature(
    client: Client, petition: Petition, queued: None
) -> None:
    quick = shown_stamp(client, petition)
    post(client, petition, "calm@example.net", shown=a_while_ago())
    post(client, petition, "quick@example.net", shown=quick)
    post(client, petition, "bare@example.net")
    post(client, petition, "forged@example.net", shown=quick.replace(":", "0:", 1))
    post(client, petition, "bot@example.net", shown=a_while_ago(), website="https://spam.example")
    # The request only wrote facts; nothing was judged yet.
    payload = SignatureIntake.objects.get(email_key="bot@example.net").payload
    assert payload["honeypot"] is True and payload["shown"].count(":") == 1
    assert intake.process() == 5
    assert signals_of("calm@example.net") == Signal(0)
    assert signals_of("quick@example.net") == Signal.TOO_FAST
    assert signals_of("bare@example.net") == Signal.NO_STAMP
    assert signals_of("forged@example.net") == Signal.NO_STAMP
    assert signals_of("bot@example.net") == Signal.HONEYPOT
    # Stored and owed their confirmation email like everyone else.
    assert Signature.objects.filter(confirmation_sends=1).count() == 5


def test_someone_known_already_gets_signals_through_the_single_path(
    client: Client, owner: Membership, petition: Petition, queued: None
) -> None:
    other = testing.make_petition(owner, petition.campaign, title="Fund the river rangers")
    post(client, other, "known@example.net", shown=a_while_ago())
    intake.process()
    post(client, petition, "known@example.net", website="me")  # a known supporter: one by one
    assert intake.process() == 1
    signature = Signature.objects.get(petition=petition)
    assert Signal(signature.signals) == Signal.NO_STAMP | Signal.HONEYPOT


def test_a_stamp_signed_with_more_than_a_page_copy_shares_is_reused(
    client: Client, petition: Petition, queued: None
) -> None:
    """One stamp, thirteen signatures in two batches: the ten a page copy may hand to ten
    readers pass, the rest are flagged, counting the ones recorded before."""
    shared = a_while_ago()
    for n in range(6):
        post(client, petition, f"first{n}@example.net", shown=shared)
    assert intake.process() == 6
    for n in range(signals.STAMP_SHARED - 6 + 3):
        post(client, petition, f"then{n}@example.net", shown=shared)
    post(client, petition, "other@example.net", shown=a_while_ago())
    assert intake.process() == signals.STAMP_SHARED - 6 + 4
    key = formtiming.read(shared).key
    assert Signature.objects.filter(stamp_key=key).count() == signals.STAMP_SHARED + 3
    flagged = Signature.objects.filter(signals=Signal.STAMP_REUSED)
    assert sorted(flagged.values_list("supporter__email", flat=True)) == [
        f"then{n}@example.net" for n in range(signals.STAMP_SHARED - 6, signals.STAMP_SHARED - 3)
    ]
    assert Signature.objects.exclude(signals=0).count() == 3
    assert signals_of("other@example.net") == Signal(0)


def test_the_reused_stamps_of_a_batch_cost_one_query(petition: Petition) -> None:
    shared = a_while_ago()
    arrived = timezone.now()
    facts = [
        (SignatureRequest(email=f"s{n}@example.net", given_name="S", shown=shared), arrived)
        for n in range(signals.STAMP_SHARED + 2)
    ]
    with CaptureQueriesContext(connection) as queries:
        found = signals.signals_for(facts)
    assert len(queries) == 1
    assert found == [0] * signals.STAMP_SHARED + [int(Signal.STAMP_REUSED)] * 2


def test_a_stamp_kept_longer_than_a_form_takes_is_old(
    client: Client, petition: Petition, queued: None
) -> None:
    limit = signals.STAMP_MAX_AGE_SECONDS
    post(client, petition, "old@example.net", shown=formtiming.stamp(time.time() - limit - 60))
    post(client, petition, "slow@example.net", shown=formtiming.stamp(time.time() - limit + 60))
    assert intake.process() == 2
    assert signals_of("old@example.net") == Signal.STAMP_OLD
    assert signals_of("slow@example.net") == Signal(0)


def test_each_stamp_has_its_own_random_key() -> None:
    moment = time.time()
    one, two = formtiming.read(formtiming.stamp(moment)), formtiming.read(formtiming.stamp(moment))
    assert one.at == two.at and one.key != two.key and len(one.key) == formtiming.KEY_LENGTH
    # A stamp signed before stamps had a key still tells its time; it has no key to count.
    from django.core import signing

    older = signing.Signer(salt="groundswell.form-shown").sign(str(int(moment * 1000)))
    assert formtiming.read(older).key == "" and formtiming.key_of(older) == ""
    assert formtiming.key_of(older.replace(":", "0:", 1)) == ""


def test_a_signature_from_the_api_helper_or_staff_carries_no_form_signal(
    petition: Petition,
) -> None:
    result = sign_petition(petition, SignatureRequest(email="api@example.net", given_name="Api"))
    assert result.signature.signals == 0


def test_the_sign_request_still_writes_only_the_intake_row(
    client: Client, petition: Petition, queued: None
) -> None:
    post(client, petition, "warm@example.net")
    with CaptureQueriesContext(connection) as queries:
        post(client, petition, "ana@example.net", shown=a_while_ago(), website="x")
    assert [q["sql"].split()[:3] for q in queries] == [
        ["INSERT", "INTO", "ratelimit_count"],
        ["INSERT", "INTO", "actions_signatureintake"],
    ]


def test_the_form_has_a_hidden_field_people_are_told_to_leave_empty(
    client: Client, petition: Petition
) -> None:
    html = client.get(petition.get_absolute_url()).content.decode()
    field = re.search(r'<input type="text" name="website"[^>]*>', html)
    assert field is not None
    assert 'autocomplete="off"' in field[0] and 'tabindex="-1"' in field[0]
    label = re.search(r'<div class="visually-hidden"><label for="([^"]+)">([^<]+)</label>', html)
    assert label is not None and f'id="{label[1]}"' in field[0]
    assert label[2] == "Leave this field empty: it is here to catch robots."


def test_a_nul_in_the_hidden_field_is_refused_like_any_other_field(
    client: Client, petition: Petition
) -> None:
    data = {"given_name": "Ana", "email": "ana@example.net", "consent": "on", "website": "a\x00"}
    response = client.post(sign_url(petition), data)
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert not SignatureIntake.objects.exists()


def test_a_form_shown_again_keeps_the_time_it_was_first_shown(
    client: Client, petition: Petition
) -> None:
    first = a_while_ago()
    response = client.post(sign_url(petition), {"given_name": "Ana", "shown": first})
    assert response.status_code == 400
    assert SHOWN.search(response.content.decode())[1] == first  # type: ignore[index]


def test_staff_see_counts_and_a_masked_list_with_a_filter(
    client: Client, owner: Membership, petition: Petition, queued: None
) -> None:
    from groundswell.accounts.models import Role

    post(client, petition, "calm@example.net", shown=a_while_ago(), given_name="Calmly")
    post(client, petition, "robot.one@example.net", website="x", given_name="Robotina")
    post(client, petition, "robot.two@example.net", shown=a_while_ago(), website="x")
    intake.process()
    assert signals.counts(Signature.objects.all()) == {
        "too_fast": 0, "no_stamp": 1, "honeypot": 2, "no_proof": 0, "replay": 0,
        "stamp_reused": 0, "stamp_old": 0,
    }  # fmt: skip
    org = owner.organisation.slug
    analyst = testing.add_member(
        owner.organisation, testing.make_user("an@example.org", "An Analyst"), Role.ANALYST
    )
    client.force_login(owner.user)
    page = client.get(reverse("actions:staff_edit", args=[org, petition.pk])).content.decode()
    assert re.search(r"Hidden field filled</a></td><td>2</td>", page)
    assert re.search(r"No form stamp</a></td><td>1</td>", page)
    listing = reverse("actions:staff_signals", args=[org, petition.pk])
    every = client.get(listing).content.decode()
    assert "2 signatures" in every and "Calmly" not in every and "Robotina" in every
    only = client.get(listing, {"signal": "no_stamp"}).content.decode()
    assert "1 signature<" in only and "Robotina" in only
    # An analyst sees the signals, not who sent them.
    client.force_login(analyst.user)
    masked = client.get(listing, {"signal": "honeypot"}).content.decode()
    assert "2 signatures" in masked and "Robotina" not in masked
    ids = sorted(Signature.objects.exclude(signals=0).values_list("supporter_id", flat=True))
    assert all(f"Supporter #{n}" in masked for n in ids)
    bad = client.get(listing, {"signal": "nonsense"})
    assert bad.status_code == 400 and "Select a valid choice" in bad.content.decode()


def test_confirming_a_signature_keeps_its_signals(
    client: Client, petition: Petition, queued: None
) -> None:
    post(client, petition, "robot@example.net", website="x", shown=a_while_ago())
    intake.process()
    signature = Signature.objects.get()
    confirm_signature(signature.pk)
    signature.refresh_from_db()
    assert signature.state == SignatureState.CONFIRMED and signature.signals == Signal.HONEYPOT
    assert recount(petition.pk).confirmed == 1
