"""Periodic work on django-tasks-db: tasks that queue their own next run.

django-tasks-db has no scheduler (docs/decisions/0003-periodic-tasks.md). A function
decorated with `@periodic(every=...)` becomes a task that, however its run ends, queues its
successor with a `run_after`: an exception fails that run, never the series. The worker
command calls `schedule_all()` at start-up, and its supervisor about once a minute, which
queues one run of every registered task that has none waiting (a worker killed mid-run
leaves none; a failed INSERT of a successor left none).

One run of a task works at a time, across every worker and node: a run first takes the
task's lease (a `PeriodicLease` row, lib/leases.py), renews it while it works and lets it
go at the end. A run that finds the lease held does nothing and queues nothing of its own
unless no run waits, in which case it queues one for when the lease would run out (the
holder may have been killed). The holder, at its end, leaves exactly one run waiting: a
series that was ever doubled becomes one again.

A task that keeps failing backs off: its next run waits twice as long after each failure
in a row, up to MAX_BACK_OFF, and runs at its own pace again after a success. Its first
failure is logged with the traceback, the ones after it as one line with the count.

Under a backend that cannot defer (the immediate one in tests) nothing is re-queued, so a
task runs once when called; tests drive them with `groundswell.testing.run_periodic`.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection, transaction
from django.db.models import QuerySet
from django.tasks import DEFAULT_TASK_QUEUE_NAME, Task, task
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from . import leases
from .models import PeriodicLease

PeriodicTask = Task[[], None]

# The queue (settings.TASK_QUEUES) for periodic reporting that reads large tables for seconds
# or more (rankings, analytics roll-ups, retention, fraud's source watch): its own worker
# process, so such a run never holds up the intake, the public count or email ("default").
REPORTS_QUEUE = "reports"

logger = logging.getLogger("groundswell.periodic")

KEEP_RESULTS_FOR = timedelta(minutes=10)
# Failed runs are kept longer, by number: the latest few, for their tracebacks.
KEEP_FAILED = 5
TURN = timedelta(seconds=1)
# How long a run's lease holds without renewal: after a worker is killed mid-run, the next
# run of that task starts at most this long after the last renewal. Renewed every
# RENEW_EVERY, so a database too busy to take one or two renewals does not lose it.
LEASE = timedelta(seconds=20)
RENEW_EVERY = timedelta(seconds=5)
# The longest wait between two runs of a task that keeps failing (its own `every` if longer).
MAX_BACK_OFF = timedelta(minutes=2)
# Queueing the next run is retried this many times, this long apart, before the series is
# left to the supervisor's re-seed (a database locked by a spike, a failover).
REPEAT_TRIES = 3
REPEAT_PAUSE = timedelta(milliseconds=500)

# Every periodic task, by name; filled as the apps' tasks.py modules are imported.
REGISTRY: dict[str, PeriodicTask] = {}
# Failed runs in a row per task, as this process last saw them: used when the lease row
# itself cannot be read (the database is down).
_failures_here: dict[str, int] = {}


def periodic(
    *,
    every: timedelta,
    queue_name: str = DEFAULT_TASK_QUEUE_NAME,
    batch: int | Callable[[], int] | None = None,
) -> Callable[[Callable[[], int | None]], PeriodicTask]:
    """Make a module-level function a periodic task that runs about every `every`.

    With `batch`, the function is one step of a longer job that returns how many items it
    handled: it is called again while it handles a full batch, for about TURN, and the next
    run is queued at once if work was left, after `every` if not. The worker runs one task
    at a time, and a task that looped until a spike's queue ran dry would keep every other
    periodic task (the recount, and with it the public count) waiting for minutes.
    `batch` may be a function, read at each run, where the batch size is a setting.
    """

    def decorate(work: Callable[[], int | None]) -> PeriodicTask:
        @functools.wraps(work)
        def run() -> None:
            _run(made, work, every=every, batch=batch)

        made: PeriodicTask = task(queue_name=queue_name)(run)
        if made.name in REGISTRY:
            raise ImproperlyConfigured(f"Two periodic tasks are called {made.name}.")
        REGISTRY[made.name] = made
        return made

    return decorate


@dataclass(frozen=True)
class _Held:
    holder: str
    failures: int


def _run(
    made: PeriodicTask,
    work: Callable[[], int | None],
    *,
    every: timedelta,
    batch: int | Callable[[], int] | None,
) -> None:
    name = made.name
    try:
        held = _take(name)
    except Exception as error:
        # The lease table is out of reach, and so most likely the database: a failed run,
        # whose series goes on all the same.
        failures = _failures_here.get(name, 0) + 1
        _failures_here[name] = failures
        wait = back_off(every, failures)
        _log_failure(name, failures, wait, error)
        _repeat(made, every=wait, failed=True)
        raise
    if held is None:
        # Another run works. Its own end queues the next run; this one only makes sure one
        # waits for when that run's lease runs out, in case its worker was killed.
        _repeat(made, every=every, holder=False)
        return
    wait, failures = every, held.failures
    try:
        with _renewing(name, held.holder):
            if batch is None:
                work()
            elif _in_turns(work, batch):
                wait = timedelta(0)  # work is left: the next turn is due at once
        if held.failures:
            logger.warning("%s works again after %d failed runs.", name, held.failures)
        failures = 0
    except Exception as error:
        failures = held.failures + 1
        wait = back_off(every, failures)
        _log_failure(name, failures, wait, error)
        raise
    finally:  # an error fails this run, not every run after it
        _failures_here[name] = failures
        # Let go first: a run claimed meanwhile may then work rather than find it held.
        try:
            leases.release(_lease_row(name), held.holder, failures=failures)
        except DatabaseError:
            logger.warning("%s could not let its lease go; it runs out in %s.", name, LEASE)
        _repeat(made, every=wait, failed=failures > 0)


def _lease_row(name: str) -> QuerySet[PeriodicLease]:
    return PeriodicLease.objects.filter(name=name)


def _holder() -> str:
    # Says where the run is, for an operator reading the table; random so that two runs in
    # one process never pass for each other.
    return f"{socket.gethostname()[:60]}/{os.getpid()}/{secrets.token_hex(4)}"


def _take(name: str) -> _Held | None:
    """Take the lease of the periodic task `name`; None if another run holds it."""
    holder = _holder()
    rows = _lease_row(name)
    if not leases.take(rows, holder, leases.now(), LEASE):
        if rows.exists():
            return None
        # The task's first run ever: make its row, then take it as anyone would.
        PeriodicLease.objects.bulk_create([PeriodicLease(name=name)], ignore_conflicts=True)
        if not leases.take(rows, holder, leases.now(), LEASE):
            return None
    failures = rows.values_list("failures", flat=True).first() or 0
    return _Held(holder=holder, failures=failures)


@contextlib.contextmanager
def _renewing(name: str, holder: str) -> Iterator[None]:
    """Renew the lease every RENEW_EVERY from a thread while the body runs.

    Not inside a transaction (a test's, or a caller's): the lease taken there is not yet
    visible to anyone else, so there is nothing to renew, and the thread's own connection
    would wait for that transaction's write lock.
    """
    if transaction.get_connection().in_atomic_block:
        yield
        return
    done = threading.Event()

    def renew() -> None:
        try:
            while not done.wait(RENEW_EVERY.total_seconds()):
                try:
                    renewed = leases.renew(_lease_row(name), holder, leases.now(), LEASE)
                    if not renewed and not done.is_set():  # not just let go at the end
                        logger.warning("%s ran past its lease; another run may start.", name)
                        return
                except DatabaseError as error:
                    logger.warning("%s could not renew its lease: %s", name, type(error).__name__)
        finally:
            connection.close()  # this thread's own

    beat = threading.Thread(target=renew, name=f"lease {name}", daemon=True)
    beat.start()
    try:
        yield
    finally:
        done.set()


def back_off(every: timedelta, failures: int) -> timedelta:
    """The wait before the next run after `failures` failed runs in a row: `every` while
    none failed, then twice as long after each, up to MAX_BACK_OFF (or `every`, if longer)."""
    pause = leases.Breaker(threshold=1, pause=every * 2, max_pause=max(MAX_BACK_OFF, every))
    return pause.pause_for(failures) or every


def _log_failure(name: str, failures: int, wait: timedelta, error: Exception) -> None:
    after = f"{wait.total_seconds():g} s"
    if failures == 1:
        logger.error("%s failed; the next run in %s.", name, after, exc_info=error)
    else:
        # The traceback was logged with the first failure, and is kept with the latest
        # failed runs' results; the class alone, since a message may hold an address.
        logger.error(
            "%s failed again (%d runs in a row, %s); the next run in %s.",
            name,
            failures,
            type(error).__name__,
            after,
        )


def _in_turns(step: Callable[[], int | None], batch: int | Callable[[], int]) -> bool:
    """Call `step` while it does a full batch, for about TURN; True if work is left."""
    full = batch() if callable(batch) else batch
    deadline = time.monotonic() + TURN.total_seconds()
    while step() == full:
        if time.monotonic() > deadline:
            return True
    return False


def keep_one_waiting(periodic_task: PeriodicTask, *, delay: timedelta = timedelta(0)) -> bool:
    """Queue a run of `periodic_task` unless one already waits; True if this call queued it.

    While a run holds the task's lease the new one is queued for when the lease runs out:
    if that run is alive, its end brings the new one forward; if its worker was killed, the
    new one starts the series again.
    """
    if not periodic_task.get_backend().supports_defer:
        return False
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(task_path=periodic_task.module_path, status="READY")
    if waiting.exists():
        return False
    moment = leases.now()
    held_until = (
        _lease_row(periodic_task.name)
        .filter(until__gt=moment)
        .values_list("until", flat=True)
        .first()
    )
    wait = max(delay, held_until - moment) if held_until else delay
    periodic_task.using(run_after=timezone.now() + wait).enqueue()
    return True


def _next_run(periodic_task: PeriodicTask, *, every: timedelta) -> None:
    """Leave exactly one run waiting, due no later than `every` from now.

    Called by the run that held the lease: a run queued by someone else meanwhile (a
    worker's start, a watch for the lease running out) is kept, brought forward if need be,
    and any others are dropped, so that a doubled series becomes one again.
    """
    from django_tasks_db.models import DBTaskResult, get_date_max

    due = timezone.now() + every
    waiting = DBTaskResult.objects.filter(task_path=periodic_task.module_path, status="READY")
    runs: list[tuple[UUID, datetime]] = list(waiting.values_list("id", "run_after"))
    if not runs:
        periodic_task.using(run_after=due).enqueue()
        return
    never = get_date_max()  # how the backend stores "as soon as possible"

    def when(run: tuple[UUID, datetime]) -> datetime:
        return timezone.now() if run[1] == never else run[1]

    keep, run_after = min(runs, key=when)
    if run_after != never and run_after > due:
        waiting.filter(id=keep).update(run_after=due)
    extra = [run_id for run_id, _ in runs if run_id != keep]
    if extra:
        waiting.filter(id__in=extra).delete()


def _repeat(
    periodic_task: PeriodicTask, *, every: timedelta, failed: bool = False, holder: bool = True
) -> None:
    """At the end of a run: queue the next one and forget old finished runs.

    Never raises: a run's outcome is its own, and a series whose next run could not be
    queued is started again by the worker's supervisor (`schedule_all`) within a minute.
    """
    if not periodic_task.get_backend().supports_defer:
        return
    for attempt in range(1, REPEAT_TRIES + 1):
        try:
            if holder:
                _next_run(periodic_task, every=every)
            else:
                keep_one_waiting(periodic_task, delay=every)
            break
        except DatabaseError as error:
            if attempt == REPEAT_TRIES:
                logger.error(
                    "%s could not queue its next run (%d tries, %s); the worker's "
                    "supervisor queues it again within a minute.",
                    periodic_task.name,
                    attempt,
                    type(error).__name__,
                )
                return
            time.sleep(REPEAT_PAUSE.total_seconds())
    if holder:
        try:
            _forget_old_runs(periodic_task, failed=failed)
        except DatabaseError as error:
            logger.warning(
                "%s could not forget old runs: %s", periodic_task.name, type(error).__name__
            )


def _forget_old_runs(periodic_task: PeriodicTask, *, failed: bool) -> None:
    from django_tasks_db.models import DBTaskResult

    runs = DBTaskResult.objects.filter(task_path=periodic_task.module_path)
    # Every run leaves a result row; at one run a second they would pile up.
    runs.filter(status="SUCCESSFUL", finished_at__lt=timezone.now() - KEEP_RESULTS_FOR).delete()
    if failed:  # only a failed run adds a failed row (when it ends, after this)
        failures = runs.filter(status="FAILED")
        kept = list(failures.order_by("-finished_at").values_list("id", flat=True)[:KEEP_FAILED])
        failures.exclude(id__in=kept).delete()


def discover() -> dict[str, PeriodicTask]:
    """Import every app's tasks.py, so that REGISTRY holds every periodic task."""
    autodiscover_modules("tasks")
    return REGISTRY


def schedule_all() -> list[str]:
    """One run of each periodic task waiting, whatever happened before: the worker calls
    this at start-up and its supervisor about once a minute. Returns the names of those
    this call queued."""
    return [name for name, each in discover().items() if keep_one_waiting(each)]


class _LoggedHere(logging.Filter):
    """Drop django.tasks' ERROR line for a failed periodic run: `_log_failure` has logged
    it, with the traceback only the first time in a row."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        return not (
            record.levelno >= logging.ERROR
            and isinstance(args, tuple)
            and len(args) == 3
            and args[1] in {each.module_path for each in REGISTRY.values()}
        )


logging.getLogger("django.tasks").addFilter(_LoggedHere())
