"""Every periodic task queues its next run, even when a run fails (lib/periodic.py).

A run fails here the way it most often would for real: the database refuses its queries.
Only the task queue's own table and the periodic leases still answer, as they must for the
run to start and the next run to be queued.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.db.models import QuerySet
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import Settings

from groundswell.actions.models import Petition
from groundswell.lib import periodic
from groundswell.testing import FakeClock, LocalSMTPServer

# Each one is named, so that a new periodic task cannot go without this test (see below).
PERIODIC_TASKS = [
    "forget_old_rate_counts",
    "recount_petitions",
    "reconcile_tallies",
    "process_intake",
    "send_confirmations",
    "send_updates",
    "federation_tick",
    "dispatch_due_posts",
    "apply_retention",
    "screen_moderation_items",
    "roll_up_counts",
    "roll_up_row_kinds",
    "rank_evangelists",
    "listen_tick",
    "watch_spikes",
    "tell_approvers",
    "watch_sources",
    "open_checkouts",
    "apply_payment_events",
    "remind_pledges",
    "decide_rsvps",
    "fill_event_places",
    "remind_attendees",
    "send_event_notices",
    "decide_signups",
    "remind_volunteers",
    "submit_field_reports",
    "process_vote_intake",
    "send_vote_confirmations",
    "recount_ideas",
    "moderate_ideas",
    "send_idea_updates",
]


def test_every_periodic_task_is_tested_here() -> None:
    assert sorted(periodic.discover()) == sorted(PERIODIC_TASKS)


@pytest.fixture
def database_refuses_all_but_the_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    # A private method, absent from django-stubs: the one every statement goes through.
    real = CursorWrapper._execute  # type: ignore[attr-defined]

    def refuse(self: CursorWrapper, sql: str, params: Any, *ignored: Any) -> Any:
        if "django_tasks_database" not in sql and "periodic_lease" not in sql:
            raise OperationalError("the database went away")
        return real(self, sql, params, *ignored)

    monkeypatch.setattr(CursorWrapper, "_execute", refuse)


# Transactional, as the worker is: no test transaction around the run for a failed
# statement to break.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", PERIODIC_TASKS)
def test_a_failing_run_still_queues_the_next(
    name: str, task_queue: None, request: pytest.FixtureRequest
) -> None:
    task = periodic.discover()[name]
    DBTaskResult.objects.all().delete()
    before = timezone.now()
    request.getfixturevalue("database_refuses_all_but_the_queue")
    with pytest.raises(OperationalError):
        task.call()
    waiting = DBTaskResult.objects.get(status="READY")
    assert waiting.task_path == task.module_path
    assert waiting.queue_name == task.queue_name
    # After its interval, not at once: a failing task must not spin.
    assert waiting.run_after is not None
    assert waiting.run_after >= before + timedelta(milliseconds=500)


def test_a_run_that_succeeds_queues_exactly_one_next(task_queue: None) -> None:
    task = periodic.discover()["recount_petitions"]
    task.call()
    task.call()  # the first one's successor already waits: no second
    assert DBTaskResult.objects.filter(status="READY", task_path=task.module_path).count() == 1


def test_the_worker_seeds_one_run_of_each_at_start_up(task_queue: None) -> None:
    assert sorted(periodic.schedule_all()) == sorted(PERIODIC_TASKS)
    assert periodic.schedule_all() == []  # one of each already waits
    paths = DBTaskResult.objects.ready().values_list("task_path", flat=True)
    assert sorted(paths) == sorted(periodic.discover()[name].module_path for name in PERIODIC_TASKS)


# --- One run at a time (the task's lease) -----------------------------------------------------

ANOTHER_NODE = "node-b/4242/0a0b0c0d"


def owe_confirmations(petition: Petition, count: int) -> None:
    from groundswell.actions.services import SignatureRequest, sign_petition

    for n in range(count):
        sign_petition(petition, SignatureRequest(email=f"signer{n}@example.net", given_name="Sam"))


def owed(petition: Petition) -> int:
    from django.db.models import F

    from groundswell.actions.models import Signature

    return Signature.objects.filter(
        petition=petition, confirmations_delivered__lt=F("confirmation_sends")
    ).count()


def hold_lease(name: str, holder: str = ANOTHER_NODE) -> None:
    from groundswell.lib import leases
    from groundswell.lib.models import PeriodicLease

    PeriodicLease.objects.get_or_create(name=name)
    assert leases.take(
        PeriodicLease.objects.filter(name=name), holder, leases.now(), periodic.LEASE
    )


def waiting_runs(task: periodic.PeriodicTask) -> QuerySet[DBTaskResult[Any, Any]]:
    return DBTaskResult.objects.filter(status="READY", task_path=task.module_path)


def test_a_run_started_while_another_holds_the_lease_sends_nothing_and_keeps_one_series(
    task_queue: None, petition: Petition, smtp_server: LocalSMTPServer
) -> None:
    task = periodic.discover()["send_confirmations"]
    owe_confirmations(petition, 5)
    hold_lease("send_confirmations")  # a run on another node is sending
    DBTaskResult.objects.all().delete()

    queued = periodic.schedule_all()  # a worker starts on a third node

    assert "send_confirmations" in queued
    (watch,) = waiting_runs(task)
    # Not at once: when the working run's lease would run out, should its worker be dead.
    assert watch.run_after > timezone.now() + periodic.LEASE - timedelta(seconds=5)
    task.call()  # as a worker would run it
    assert smtp_server.messages == []
    assert owed(petition) == 5
    assert waiting_runs(task).count() == 1


def test_when_the_holder_ends_one_run_waits_due_at_its_own_pace(task_queue: None) -> None:
    task = periodic.discover()["send_confirmations"]
    DBTaskResult.objects.all().delete()
    hold_lease("send_confirmations")
    periodic.schedule_all()  # the watch, due when the lease runs out
    from groundswell.lib import leases
    from groundswell.lib.models import PeriodicLease

    leases.release(PeriodicLease.objects.filter(name="send_confirmations"), ANOTHER_NODE)
    before = timezone.now()
    task.call()  # the next run takes the free lease, works, and queues its successor
    (next_run,) = waiting_runs(task)
    # At its own pace (0.5 s after the run, however slow the machine), not at the lease's end.
    assert next_run.run_after < before + periodic.LEASE / 2


def test_a_lease_left_by_a_killed_worker_runs_out_and_the_next_run_works(
    task_queue: None, petition: Petition, smtp_server: LocalSMTPServer, clock: FakeClock
) -> None:
    owe_confirmations(petition, 2)
    hold_lease("send_confirmations")  # and then that worker was killed
    periodic.discover()["send_confirmations"].call()
    assert owed(petition) == 2
    clock.advance(periodic.LEASE + timedelta(seconds=1))
    periodic.discover()["send_confirmations"].call()
    assert owed(petition) == 0
    assert len(smtp_server.messages) == 2


@pytest.mark.django_db(transaction=True)
def test_a_run_longer_than_its_lease_renews_it_so_no_second_run_starts(
    task_queue: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from groundswell.actions import services
    from groundswell.lib.models import PeriodicLease

    monkeypatch.setattr(periodic, "LEASE", timedelta(seconds=2))
    monkeypatch.setattr(periodic, "RENEW_EVERY", timedelta(milliseconds=200))
    task = periodic.discover()["recount_petitions"]
    runs: list[int] = []

    def slow() -> list[int]:
        runs.append(1)
        if len(runs) == 1:
            time.sleep(3)  # past the lease as first taken
            task.call()  # another worker's run, meanwhile
        return []

    monkeypatch.setattr(services, "petitions_needing_recount", slow)
    task.call()
    assert len(runs) == 1  # the second run did not work
    lease = PeriodicLease.objects.get(name="recount_petitions")
    assert (lease.holder, lease.until) == ("", None)  # let go at the end


def test_a_doubled_series_becomes_one_again(task_queue: None) -> None:
    task = periodic.discover()["recount_petitions"]
    DBTaskResult.objects.all().delete()
    for _ in range(3):  # three worker starts that raced, say
        task.using(run_after=timezone.now() + timedelta(minutes=1)).enqueue()
    before = timezone.now()
    task.call()
    (next_run,) = waiting_runs(task)
    # Brought forward to the task's own pace (a second), not left a minute out.
    assert next_run.run_after < before + timedelta(seconds=10)


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_on_two_workers_send_each_email_once(
    settings: Settings, smtp_server: LocalSMTPServer
) -> None:
    """Two workers' runs of send_confirmations overlap for real, on their own connections:
    the second finds the lease held and sends nothing."""
    import threading
    from collections import Counter

    from django.db import connection

    from groundswell import testing

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": settings.TASK_QUEUES}
    }
    alice = testing.make_user("alice@example.org", "Alice Owner")
    org = testing.make_organisation(alice, name="Alice's Campaigners", slug="alices")
    owner = testing.membership(alice, org)
    petition = testing.make_petition(owner, testing.make_campaign(owner))
    owe_confirmations(petition, 5)
    task = periodic.discover()["send_confirmations"]

    # A slow mail server: the first run is still sending when the second starts.
    handler = smtp_server.controller.handler
    accept = handler.handle_DATA
    first_arrived = threading.Event()

    async def slowly(server: Any, session: Any, envelope: Any) -> str:
        import asyncio

        first_arrived.set()
        await asyncio.sleep(0.3)
        reply: str = await accept(server, session, envelope)
        return reply

    handler.handle_DATA = slowly
    errors: list[Exception] = []

    def worker() -> None:
        try:
            task.call()
        except Exception as error:  # noqa: BLE001 - reported below: a thread's exception is lost otherwise
            errors.append(error)
        finally:
            connection.close()

    first = threading.Thread(target=worker)
    first.start()
    assert first_arrived.wait(20)
    second = threading.Thread(target=worker)
    second.start()
    second.join(30)
    first.join(30)
    assert errors == []
    ids = Counter(message["Message-ID"] for message in smtp_server.messages)
    assert len(ids) == 5
    assert set(ids.values()) == {1}
    assert owed(petition) == 0


# --- Queueing the next run fails ----------------------------------------------------------------


@dataclass
class Failing:
    times: int | None = None  # how many INSERTs fail; None: all of them
    failed: int = 0


@pytest.fixture
def queue_inserts_fail(monkeypatch: pytest.MonkeyPatch) -> Failing:
    """Make INSERTs into the task queue's table raise "database is locked"."""
    real = CursorWrapper._execute  # type: ignore[attr-defined]  # Django's private hook
    fail = Failing()

    def refuse(self: CursorWrapper, sql: str, params: Any, *ignored: Any) -> Any:
        queueing = sql.startswith("INSERT") and "django_tasks_database" in sql
        if queueing and (fail.times is None or fail.failed < fail.times):
            fail.failed += 1
            raise OperationalError("database is locked")
        return real(self, sql, params, *ignored)

    monkeypatch.setattr(CursorWrapper, "_execute", refuse)
    monkeypatch.setattr(periodic, "REPEAT_PAUSE", timedelta(0))
    return fail


@pytest.mark.django_db(transaction=True)
def test_a_next_run_that_fails_to_queue_once_is_queued_on_the_next_try(
    task_queue: None, queue_inserts_fail: Failing
) -> None:
    task = periodic.discover()["recount_petitions"]
    queue_inserts_fail.times = 1
    task.call()
    assert queue_inserts_fail.failed == 1
    assert waiting_runs(task).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_series_whose_next_run_cannot_be_queued_is_seeded_again_by_the_supervisor(
    task_queue: None,
    queue_inserts_fail: Failing,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import subprocess
    import sys

    from groundswell.hub.management.commands import worker

    task = periodic.discover()["recount_petitions"]
    task.call()  # the run works; its successor cannot be queued
    assert queue_inserts_fail.failed == periodic.REPEAT_TRIES
    assert not waiting_runs(task).exists()
    assert "recount_petitions could not queue its next run (3 tries" in caplog.text

    queue_inserts_fail.times = 0  # the database is back
    monkeypatch.setattr(worker, "RESEED_EVERY", 0.2)
    queue_worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    seeded: list[list[str]] = []

    def reseed() -> None:
        seeded.append(periodic.schedule_all())
        if len(seeded) == 2:
            queue_worker.terminate()  # ends the supervisor's watch

    try:
        worker.supervise([queue_worker], reseed=reseed)
    finally:
        queue_worker.kill()
        queue_worker.wait()
    assert "recount_petitions" in seeded[0]
    assert seeded[1] == []  # one of each waits: nothing doubled
    assert waiting_runs(task).count() == 1


def test_the_supervisor_outlives_a_reseed_that_fails(
    transactional_db: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import subprocess
    import sys

    from groundswell.hub.management.commands import worker

    monkeypatch.setattr(worker, "RESEED_EVERY", 0.2)
    queue_worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    calls: list[int] = []

    def reseed() -> None:
        calls.append(1)
        if len(calls) == 2:
            queue_worker.terminate()
        raise OperationalError("the database went away")

    try:
        worker.supervise([queue_worker], reseed=reseed)
    finally:
        queue_worker.kill()
        queue_worker.wait()
    assert len(calls) >= 2  # the child may take a moment to end
    assert caplog.text.count("Could not queue the periodic tasks again") == len(calls)


# --- Failing runs back off and do not pile up -------------------------------------------------


def test_the_wait_doubles_with_each_failure_up_to_the_cap_and_never_below_every() -> None:
    every = timedelta(milliseconds=500)
    waits = [periodic.back_off(every, n) for n in range(12)]
    assert waits[:5] == [every, every * 2, every * 4, every * 8, every * 16]
    assert waits[-1] == periodic.MAX_BACK_OFF
    assert max(waits) == periodic.MAX_BACK_OFF
    slow = timedelta(minutes=5)  # a task slower than the cap keeps its own pace
    assert periodic.back_off(slow, 3) == slow


@pytest.mark.django_db(transaction=True)
def test_during_a_mail_outage_confirmations_back_off_keep_few_failures_and_log_one_traceback(
    settings: Settings, smtp_server: LocalSMTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    from django.core.management import call_command

    from groundswell import testing
    from groundswell.lib.models import PeriodicLease

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": settings.TASK_QUEUES}
    }
    alice = testing.make_user("alice@example.org", "Alice Owner")
    org = testing.make_organisation(alice, name="Alice's Campaigners", slug="alices")
    owner = testing.membership(alice, org)
    petition = testing.make_petition(owner, testing.make_campaign(owner))
    owe_confirmations(petition, 3)
    task = periodic.discover()["send_confirmations"]
    DBTaskResult.objects.all().delete()
    import socket

    with socket.socket() as probe:  # the outage: nothing listens on the mail port
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.MAILERS["default"]["OPTIONS"]["port"] = closed_port
    task.enqueue()

    waits = []
    for _ in range(9):
        started = timezone.now()
        call_command("db_worker", batch=True, startup_delay=False, verbosity=1)
        (next_run,) = waiting_runs(task)
        waits.append((next_run.run_after - started).total_seconds())
        next_run.run_after = timezone.now()  # as if the wait were over
        next_run.save(update_fields=["run_after"])

    # Each measured from before its run started: no less than the back-off, and a loaded
    # machine's run time more at most.
    backed_off = [1, 2, 4, 8, 16, 32, 64, 120, 120]
    assert all(due <= wait < due + 5 for wait, due in zip(waits, backed_off, strict=True)), waits
    assert PeriodicLease.objects.get(name="send_confirmations").failures == 9
    failed = DBTaskResult.objects.filter(task_path=task.module_path, status="FAILED")
    assert failed.count() <= periodic.KEEP_FAILED + 1
    ours = [r for r in caplog.records if r.name == "groundswell.periodic"]
    assert [r.exc_info is not None for r in ours] == [True] + [False] * 8
    assert "send_confirmations failed again (9 runs in a row" in ours[-1].getMessage()
    assert not [r for r in caplog.records if r.name == "django.tasks" and r.levelno >= 40]
    assert owed(petition) == 3

    # The mail server is back: the next run sends, and the task keeps its own pace again.
    settings.MAILERS["default"]["OPTIONS"]["port"] = smtp_server.port
    started = timezone.now()
    call_command("db_worker", batch=True, startup_delay=False, verbosity=0)
    assert len(smtp_server.messages) == 3
    (next_run,) = waiting_runs(task)
    assert next_run.run_after - started < timedelta(seconds=5)  # not the 2-minute back-off
    assert PeriodicLease.objects.get(name="send_confirmations").failures == 0
    assert "send_confirmations works again after 9 failed runs." in caplog.text
