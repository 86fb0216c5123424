"""Votes recorded from the intake in batches: boundaries, repeats, referrals and deaths."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import DjangoAssertNumQueries

from groundswell.ideas import counts, intake
from groundswell.ideas.models import Challenge, Confirmation, Idea, Vote, VoteIntake
from groundswell.lib.bulk import PreparedInsert
from groundswell.supporters.models import Supporter
from groundswell.supporters.services import find_or_create_supporter

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(task_queue: None) -> None:
    """A real task queue: a confirmation email queued as a task would be stored and seen."""


def make_idea(challenge: Challenge, title: str = "Stepping stones at the ford") -> Idea:
    return Idea.objects.create(
        organisation=challenge.organisation,
        challenge=challenge,
        title=title,
        body="Put them back where the old ford was.",
        state=Confirmation.CONFIRMED,
    )


def vote(idea: Idea, email: str, *, ref: str = "", name: str = "Ana") -> str:
    return intake.take(idea, intake.VoteRequest(email=email, given_name=name, referral_token=ref))


def emails() -> int:
    """Confirmation emails owed: the votes whose email has not gone yet (the row is the
    queue, vote_emails.py). Recording a vote queues no task of its own."""
    assert not DBTaskResult.objects.filter(task_path__endswith="send_email").exists()
    return Vote.objects.filter(confirmation_emailed=False).count()


def voters(idea: Idea) -> list[str]:
    return sorted(Vote.objects.filter(idea=idea).values_list("supporter__email", flat=True))


def test_a_chunk_of_first_time_voters_is_written_in_a_few_statements(
    challenge: Challenge, queued: None, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    idea = make_idea(challenge)
    tokens = [vote(idea, f"person{n}@example.net") for n in range(60)]
    # A handful of statements for the chunk; none per vote (its row owes its email).
    with django_assert_max_num_queries(15):
        assert intake.process() == 60
    assert set(Vote.objects.values_list("share_token", flat=True)) == set(tokens)
    assert Supporter.objects.count() == 60
    assert emails() == 60
    assert not VoteIntake.objects.exists()


def test_batches_and_chunks_stop_at_their_bounds_oldest_first(
    challenge: Challenge, queued: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(intake, "CHUNK", 2)
    idea = make_idea(challenge)
    first = vote(idea, "one@example.net")
    vote(idea, "two@example.net", ref=first)  # brought by a voter in the same chunk
    vote(idea, "three@example.net", ref=first)  # in the next chunk
    fourth = vote(idea, "four@example.net")
    vote(idea, "five@example.net", ref=fourth)  # in the next batch
    assert intake.process(limit=3) == 3
    assert voters(idea) == ["one@example.net", "three@example.net", "two@example.net"]
    assert VoteIntake.objects.count() == 2
    assert intake.process(limit=3) == 2
    assert intake.process(limit=3) == 0
    referred = dict(
        Vote.objects.values_list("supporter__email", "referred_by__email").order_by("pk")
    )
    assert referred == {
        "one@example.net": None,
        "two@example.net": "one@example.net",
        "three@example.net": "one@example.net",
        "four@example.net": None,
        "five@example.net": "four@example.net",
    }
    assert emails() == 5


def test_repeats_in_one_batch_are_one_person_and_one_vote_per_idea(
    challenge: Challenge, queued: None
) -> None:
    stones, benches = make_idea(challenge), make_idea(challenge, "Benches by the weir")
    gil = find_or_create_supporter(
        challenge.organisation, email="gil@example.net", email_key="gil@example.net",
        given_name="Gil",
    )  # fmt: skip
    vote(stones, "rosa.quint@gmail.com", name="Rosa")
    intake.process()  # Rosa's vote for the stones is recorded
    vote(stones, "Rosa.Quint+again@googlemail.com", name="Rosie")  # the same person again
    vote(benches, "omar.vale@gmail.com", name="Omar")
    vote(stones, "omarvale@googlemail.com", name="O")  # Omar, another idea, the same batch
    vote(benches, "gil@example.net", name="Gilbert")  # known already (a petition, say)
    before = emails()
    assert intake.process() == 4
    assert not VoteIntake.objects.exists()
    assert voters(stones) == ["omar.vale@gmail.com", "rosa.quint@gmail.com"]
    assert voters(benches) == ["gil@example.net", "omar.vale@gmail.com"]
    assert Supporter.objects.filter(email_key="omarvale@gmail.com").count() == 1
    assert Supporter.objects.get(pk=gil.pk).given_name == "Gil"  # a form changes no details
    assert Supporter.objects.get(email_key="rosaquint@gmail.com").given_name == "Rosa"
    assert emails() - before == 3  # Rosa's repeat gets no second email
    counts.recount_due()
    stones.refresh_from_db()
    benches.refresh_from_db()
    assert (stones.pending_votes, benches.pending_votes) == (2, 2)


@pytest.mark.parametrize("path", ["in a chunk", "row by row"])
def test_a_repeat_after_the_vote_was_recorded_keeps_a_token_that_leads_to_it(
    challenge: Challenge, queued: None, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    """The repeat is answered with a new token before the worker can know it is the same
    person: that token must still open their thank-you page and credit them."""
    idea = make_idea(challenge)
    first = vote(idea, "rosa.quint@gmail.com", name="Rosa")
    intake.process()
    again = vote(idea, "ROSA.QUINT@gmail.com", name="Rosa")  # the same person, once recorded
    assert again != first
    if path == "row by row":
        monkeypatch.setattr(intake, "_bulk_record", _refuse)
    brought = vote(idea, "tom@example.net", ref=again, name="Tom")  # through the repeat's link
    assert intake.process() == 2
    assert not VoteIntake.objects.exists()
    assert voters(idea) == ["rosa.quint@gmail.com", "tom@example.net"]
    rosa = Vote.objects.get(share_token=first)
    assert intake.is_token_of(idea, again) and intake.is_token_of(idea, first)
    assert not intake.is_token_of(idea, brought + "x")
    assert Vote.objects.get(share_token=brought).referred_by_id == rosa.supporter_id
    assert intake.referrer_of(again, challenge.organisation_id) == rosa.supporter_id
    # A later voter through the repeat's link is credited too, whichever path records them.
    later = vote(idea, "una@example.net", ref=again, name="Una")
    intake.process()
    assert Vote.objects.get(share_token=later).referred_by_id == rosa.supporter_id
    assert emails() == 3  # no second email for Rosa


def _refuse(rows: list[VoteIntake]) -> None:
    raise intake.IntakeChanged


def test_a_row_another_worker_already_recorded_is_only_deleted(
    challenge: Challenge, queued: None
) -> None:
    idea = make_idea(challenge)
    vote(idea, "kim@example.net")
    row = VoteIntake.objects.get()
    assert intake.process() == 1
    row.save(force_insert=True)  # a second worker read it before the first deleted it
    vote(idea, "lou@example.net")  # and a new voter in the same chunk
    assert intake.process() == 2
    assert voters(idea) == ["kim@example.net", "lou@example.net"]
    assert emails() == 2
    assert not VoteIntake.objects.exists()


def test_a_person_created_meanwhile_sends_the_chunk_down_the_single_path(
    challenge: Challenge, queued: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    idea = make_idea(challenge)
    vote(idea, "fay@example.net")
    vote(idea, "gus@example.net")
    real_execute = PreparedInsert.execute

    def gus_first(insert: PreparedInsert) -> list[tuple[Any, ...]]:
        # Gus arrives through another door between the chunk's look-up and its INSERT.
        find_or_create_supporter(
            challenge.organisation, email="gus@example.net", email_key="gus@example.net"
        )
        monkeypatch.setattr(PreparedInsert, "execute", real_execute)
        return real_execute(insert)

    monkeypatch.setattr(PreparedInsert, "execute", gus_first)
    assert intake.process() == 2
    assert voters(idea) == ["fay@example.net", "gus@example.net"]
    assert Supporter.objects.count() == 2
    assert emails() == 2


class Died(BaseException):
    """The worker killed (not an error the code may catch and handle)."""


def _dying(monkeypatch: pytest.MonkeyPatch, *, before: int = 0, after: int = 0) -> None:
    """Make the worker die as the `before`-th prepared INSERT starts, or once the `after`-th
    ran (inside its transaction, not yet committed); counted from 1."""
    real_execute = PreparedInsert.execute
    executed: list[PreparedInsert] = []

    def dying_execute(insert: PreparedInsert) -> list[tuple[Any, ...]]:
        if len(executed) + 1 == before:
            raise Died
        rows = real_execute(insert)
        executed.append(insert)
        if len(executed) == after:
            raise Died
        return rows

    monkeypatch.setattr(PreparedInsert, "execute", dying_execute)


@pytest.mark.parametrize("dies_at", ["after the people", "after the votes"])
def test_a_worker_killed_mid_chunk_leaves_nothing_lost_or_doubled(
    challenge: Challenge, queued: None, monkeypatch: pytest.MonkeyPatch, dies_at: str
) -> None:
    idea = make_idea(challenge)
    for name in ("hal", "ida", "jon"):
        vote(idea, f"{name}@example.net")
    # The first INSERT is the people (a transaction of its own), the second the votes (in
    # one transaction with the intake rows' deletion and the emails).
    if dies_at == "after the people":
        _dying(monkeypatch, before=2)
    else:
        _dying(monkeypatch, after=2)
    with pytest.raises(Died):
        intake.process()
    monkeypatch.undo()
    # SQLite commits the people on their own (the write lock is the file's); PostgreSQL
    # holds the chunk in one transaction, which the death rolls back whole.
    assert Supporter.objects.count() == (3 if connection.vendor == "sqlite" else 0)
    assert not Vote.objects.exists()  # the votes' transaction had not committed
    assert VoteIntake.objects.count() == 3 and emails() == 0
    assert intake.process() == 3
    assert Supporter.objects.count() == 3
    assert voters(idea) == ["hal@example.net", "ida@example.net", "jon@example.net"]
    assert emails() == 3  # one confirmation each, none lost, none doubled
    assert not VoteIntake.objects.exists()


def test_a_worker_killed_between_chunks_loses_nothing(
    challenge: Challenge, queued: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(intake, "CHUNK", 2)
    idea = make_idea(challenge)
    first = vote(idea, "kai@example.net")
    for name in ("lee", "mo", "ned", "oz"):
        vote(idea, f"{name}@example.net", ref=first)
    _dying(monkeypatch, before=3)  # the first chunk done (people, votes), then the worker dies
    with pytest.raises(Died):
        intake.process()
    monkeypatch.undo()  # a new worker, with the usual chunk
    assert voters(idea) == ["kai@example.net", "lee@example.net"]
    assert VoteIntake.objects.count() == 3
    counts.recount(idea.pk)
    idea.refresh_from_db()
    assert idea.pending_votes == 5  # two recorded and three waiting: none counted twice
    assert intake.process() == 3
    assert len(voters(idea)) == 5 and emails() == 5
    assert Vote.objects.filter(referred_by__email="kai@example.net").count() == 4
    counts.recount(idea.pk)
    idea.refresh_from_db()
    assert (idea.pending_votes, idea.confirmed_votes) == (5, 0)


def test_a_voter_erased_after_the_chunk_was_read_gets_no_vote(
    challenge: Challenge, queued: None
) -> None:
    idea = make_idea(challenge)
    vote(idea, "pia@example.net")
    vote(idea, "quin@example.net")
    rows = list(VoteIntake.objects.order_by("id"))
    VoteIntake.objects.filter(email_key="pia@example.net").delete()  # erased meanwhile
    assert intake._record_rows(rows, {}) == 2  # the gone row counts as done: nothing to do
    assert voters(idea) == ["quin@example.net"]
    if connection.vendor == "sqlite":
        # SQLite looks again under the write lock before writing the people; PostgreSQL
        # holds the chunk's rows FOR UPDATE (in `process`), so an erasure waits for it.
        assert not Supporter.objects.filter(email_key="pia@example.net").exists()
    assert emails() == 1
