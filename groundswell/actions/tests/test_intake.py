"""The lean sign path: the request stores one intake row; the worker records it."""

from typing import Any, NoReturn

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import DjangoAssertNumQueries, Settings

from groundswell.accounts.models import Membership
from groundswell.actions import intake
from groundswell.actions.models import Petition, Signature, SignatureIntake
from groundswell.referrals.models import ShareToken


@pytest.fixture
def queued(task_queue: None) -> None:
    """A real task queue: nothing runs until the test processes the intake itself."""


def sign(client: Client, petition: Petition, email: str, **extra: str) -> str:
    data = {"given_name": "Ana", "email": email, "consent": "on", **extra}
    response = client.post(
        reverse("actions:sign", args=[petition.organisation.slug, petition.pk]), data
    )
    assert response.status_code == 302, response.content[:500]
    return response["Location"].rstrip("/").rsplit("/", 1)[-1]


def test_the_request_stores_one_intake_row_and_the_worker_records_it(
    client: Client, petition: Petition, queued: None
) -> None:
    from django_tasks_db.models import DBTaskResult

    token = sign(client, petition, "ana@example.net")
    assert SignatureIntake.objects.count() == 1
    assert not Signature.objects.exists()
    thanks = reverse("actions:thanks", args=[petition.organisation.slug, petition.pk, token])
    assert client.get(thanks).status_code == 200  # before the worker has run
    assert intake.process() == 1
    signature = Signature.objects.get()
    assert ShareToken.objects.get(token=token).supporter == signature.supporter
    assert not SignatureIntake.objects.exists()  # personal data does not linger there
    # No task row per signature: the signature row itself says an email is owed.
    assert not DBTaskResult.objects.filter(task_path__endswith="send_confirmations").exists()
    assert signature.confirmation_sends == 1 and signature.confirmations_delivered == 0
    assert client.get(thanks).status_code == 200  # and after


def test_a_repeat_before_processing_gets_the_same_token_and_stores_nothing(
    client: Client, petition: Petition, queued: None
) -> None:
    first = sign(client, petition, "ana@example.net")
    again = sign(client, petition, "ANA+again@example.net")
    assert first == again
    assert SignatureIntake.objects.count() == 1


def test_a_repeat_after_processing_is_recorded_as_a_repeat(
    client: Client, petition: Petition, queued: None
) -> None:
    sign(client, petition, "ana@example.net")
    intake.process()
    sign(client, petition, "ana@example.net")
    intake.process()
    assert Signature.objects.count() == 1
    signature = Signature.objects.get()
    # A repeat asks for one "you have already signed" email, not a second confirmation.
    assert (signature.confirmation_sends, signature.repeat_notices) == (1, 1)


def test_referrals_through_unprocessed_signatures_are_credited_in_order(
    client: Client, petition: Petition, queued: None
) -> None:
    a_token = sign(client, petition, "ana@example.net")
    b_token = sign(client, petition, "bo@example.net", ref=a_token, ch="whatsapp")
    sign(client, petition, "cy@example.net", ref=b_token, ch="email")
    assert intake.process() == 3
    bo = Signature.objects.get(supporter__email="bo@example.net")
    cy = Signature.objects.get(supporter__email="cy@example.net")
    assert bo.referred_by is not None
    assert bo.referred_by.email == "ana@example.net"
    assert cy.referred_by is not None
    assert cy.referred_by.email == "bo@example.net"
    assert bo.referrer_data["source"] == "whatsapp"


def test_a_signature_taken_in_before_a_petition_closed_is_still_recorded(
    client: Client, petition: Petition, owner: Membership, queued: None
) -> None:
    from groundswell.actions.petitions import update_petition

    sign(client, petition, "ana@example.net")
    update_petition(owner, petition, {"status": "closed"})
    assert intake.process() == 1
    assert Signature.objects.count() == 1


def test_an_unknown_token_has_no_thank_you_page(client: Client, petition: Petition) -> None:
    url = reverse("actions:thanks", args=[petition.organisation.slug, petition.pk, "nope"])
    assert client.get(url).status_code == 404


def test_a_chunk_of_first_time_signers_is_written_in_a_few_statements(
    client: Client,
    petition: Petition,
    queued: None,
    settings: Settings,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    from groundswell.supporters.models import Consent

    settings.SIGN_RATE_LIMIT_PER_MINUTE = 1000
    tokens = [sign(client, petition, f"person{n}@example.net") for n in range(60)]
    with django_assert_max_num_queries(15):
        assert intake.process() == 60
    assert Signature.objects.filter(petition=petition).count() == 60
    assert set(ShareToken.objects.values_list("token", flat=True)) == set(tokens)
    assert Consent.objects.filter(petition=petition, purpose="petition", granted=True).count() == 60
    assert Consent.objects.filter(petition=petition, purpose="updates").count() == 60
    assert all(s.confirmation_sends == 1 for s in Signature.objects.all())


def test_known_people_and_referrals_across_a_chunk_keep_arrival_order(
    client: Client, petition: Petition, owner: Membership, queued: None
) -> None:
    from groundswell import testing

    other = testing.make_petition(owner, petition.campaign, title="Second ask")
    sign(client, other, "ana@example.net")
    intake.process()  # Ana is now a known supporter of the organisation
    a = sign(client, petition, "dee@example.net")
    b = sign(client, petition, "ANA@example.net", ref=a)  # known: the single path
    c = sign(client, petition, "eve@example.net", ref=b)  # brought by a known person
    sign(client, other, "eve@example.net", ref=c)  # the same new person twice in one chunk
    assert intake.process() == 4
    ana = Signature.objects.get(petition=petition, supporter__email="ana@example.net")
    eve = Signature.objects.get(petition=petition, supporter__email="eve@example.net")
    eve_other = Signature.objects.get(petition=other, supporter__email="eve@example.net")
    assert ana.referred_by is not None
    assert ana.referred_by.email == "dee@example.net"
    assert eve.referred_by is not None
    assert eve.referred_by.email == "ana@example.net"
    assert eve_other.referred_by is None  # a link for one petition credits nobody on another
    assert eve.supporter_id == eve_other.supporter_id  # one record per person per org
    assert not SignatureIntake.objects.exists()


def test_a_person_created_meanwhile_sends_the_chunk_down_the_single_path(
    client: Client, petition: Petition, queued: None
) -> None:
    from groundswell.supporters.services import find_or_create_supporter

    sign(client, petition, "fay@example.net")
    sign(client, petition, "gus@example.net")
    rows = list(SignatureIntake.objects.order_by("id"))
    # Gus signs through another door between the chunk's look-up and its INSERT.
    gus = find_or_create_supporter(
        petition.organisation, email="gus@example.net", email_key="gus@example.net"
    )
    assert intake._record_run(rows, {petition.pk: petition}) == 2
    assert Signature.objects.get(supporter=gus).petition == petition
    assert Signature.objects.count() == 2
    assert not SignatureIntake.objects.exists()


class Died(BaseException):
    """The worker killed mid-chunk (not an error the code may catch and handle)."""


@pytest.mark.parametrize("dies_at", ["after the people", "half-way through the signatures"])
def test_a_worker_killed_between_the_steps_leaves_nothing_lost_or_doubled(
    client: Client, petition: Petition, queued: None, monkeypatch: pytest.MonkeyPatch, dies_at: str
) -> None:
    from groundswell.lib.bulk import PreparedInsert
    from groundswell.supporters.models import Consent, Supporter

    for name in ("hal", "ida", "jon"):
        sign(client, petition, f"{name}@example.net")
    real_execute = PreparedInsert.execute
    executed: list[PreparedInsert] = []

    def dying_execute(insert: PreparedInsert) -> list[tuple[Any, ...]]:
        # The first INSERT is the people (a transaction of its own), the second the
        # signatures (in one transaction with the links, consents and intake delete).
        if len(executed) == 1 and dies_at == "after the people":
            raise Died
        rows = real_execute(insert)
        executed.append(insert)
        if len(executed) == 2:
            raise Died
        return rows

    monkeypatch.setattr(PreparedInsert, "execute", dying_execute)
    with pytest.raises(Died):
        intake.process()
    monkeypatch.undo()
    # SQLite commits the first step on its own (the write lock is the file's); PostgreSQL
    # holds the chunk in one transaction, which the death rolls back whole.
    assert Supporter.objects.count() == (3 if connection.vendor == "sqlite" else 0)
    assert not Signature.objects.exists()  # the second step had not committed
    assert SignatureIntake.objects.count() == 3
    assert intake.process() == 3
    assert not SignatureIntake.objects.exists()
    assert Supporter.objects.count() == 3
    assert Signature.objects.count() == 3
    assert ShareToken.objects.count() == 3
    assert Consent.objects.filter(purpose="petition").count() == 3
    # One confirmation owed each, not a second for a "repeat".
    assert sorted(Signature.objects.values_list("confirmation_sends", flat=True)) == [1, 1, 1]


def test_a_row_another_worker_already_recorded_is_only_deleted(
    client: Client, petition: Petition, queued: None
) -> None:
    sign(client, petition, "kim@example.net")
    row = SignatureIntake.objects.get()
    assert intake.process() == 1
    row.save(force_insert=True)  # a second worker read it before the first deleted it
    assert intake._record_one(row, {petition.pk: petition}) == 1
    assert not SignatureIntake.objects.exists()
    assert Signature.objects.get().confirmation_sends == 1


def test_the_public_count_includes_signatures_not_yet_recorded(
    client: Client, petition: Petition, queued: None
) -> None:
    from groundswell.actions.services import petitions_needing_recount, recount

    recount(petition.pk)
    for name in ("lea", "max"):
        sign(client, petition, f"{name}@example.net")
    assert petitions_needing_recount() == [petition.pk]  # the worker is behind
    assert recount(petition.pk).pending == 2
    intake.process()
    assert recount(petition.pk).pending == 2  # recorded now, and not counted twice
    assert petitions_needing_recount() == []


def test_a_long_backlog_is_worked_in_turns_so_the_recount_runs_between(
    petition: Petition, queued: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    from django_tasks_db.models import DBTaskResult

    from groundswell.actions import tasks
    from groundswell.lib import periodic

    calls: list[int] = []
    monkeypatch.setattr(periodic, "TURN", timedelta(milliseconds=50))

    def full_batch() -> int:
        calls.append(1)
        return intake.BATCH

    monkeypatch.setattr(intake, "process", full_batch)  # as tasks.py sees it
    periodic.keep_one_waiting(tasks.recount_petitions)  # due now
    tasks.process_intake.call()
    assert len(calls) > 1  # it kept going for its turn
    waiting = list(DBTaskResult.objects.ready().values_list("task_path", flat=True))
    assert waiting[0].endswith("recount_petitions")  # due first, so it runs next
    assert waiting[1].endswith("process_intake")  # and the backlog right after
    monkeypatch.setattr(intake, "process", lambda: 3)
    DBTaskResult.objects.all().delete()
    tasks.process_intake.call()  # less than a full batch: nothing is left
    assert not DBTaskResult.objects.ready().exists()  # so the next run waits its interval


def test_a_failing_run_still_queues_the_next_one(
    petition: Petition, queued: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django_tasks_db.models import DBTaskResult

    from groundswell.actions import tasks

    def broken() -> NoReturn:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(intake, "process", broken)
    with pytest.raises(RuntimeError):
        tasks.process_intake.call()
    assert DBTaskResult.objects.filter(
        status="READY", task_path__endswith="process_intake"
    ).exists()
