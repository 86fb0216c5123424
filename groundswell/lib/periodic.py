"""Periodic work on django-tasks-db: tasks that queue their own next run.

There is no scheduler process; each periodic task ends by queueing its successor with a
`run_after`, and the worker command queues one of each at start-up (a worker killed mid-run
leaves none waiting). Exactly one run waits at a time. Under a backend that cannot defer
(the immediate one in tests) nothing is re-queued, so a task runs once when called.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from django.tasks import Task, default_task_backend
from django.utils import timezone

KEEP_RESULTS_FOR = timedelta(minutes=10)


def keep_one_waiting(periodic: Task, *, delay: timedelta = timedelta(0)) -> bool:
    """Queue a run of `periodic` unless one already waits; True if this call queued it."""
    if not default_task_backend.supports_defer:
        return False
    from django_tasks_db.models import DBTaskResult

    if DBTaskResult.objects.filter(task_path=periodic.module_path, status="READY").exists():
        return False
    periodic.using(run_after=timezone.now() + delay).enqueue()
    return True


def repeat(periodic: Task, *, every: timedelta) -> None:
    """Called at the end of a run: queue the next one and forget old finished runs."""
    if not default_task_backend.supports_defer:
        return
    keep_one_waiting(periodic, delay=every)
    from django_tasks_db.models import DBTaskResult

    # Every run leaves a result row; at one run a second they would pile up.
    DBTaskResult.objects.filter(
        task_path=periodic.module_path,
        status="SUCCESSFUL",
        finished_at__lt=timezone.now() - KEEP_RESULTS_FOR,
    ).delete()


TURN = timedelta(seconds=1)


def in_turns(periodic: Task, step: Callable[[], int], *, full: int, every: timedelta) -> None:
    """Call `step` while it does a full batch, for about TURN, then queue the next run:
    at once if work is left, after `every` if not (and after `every` if `step` failed).

    The worker runs one task at a time. Under a long spike the queue behind `step` never
    runs dry, and a task that looped until it did would keep every other periodic task (the
    recount above all, and with it the public count) waiting for minutes.
    """
    more = False
    try:
        deadline = time.monotonic() + TURN.total_seconds()
        while step() == full:
            if time.monotonic() > deadline:
                more = True
                break
    finally:  # an error fails this run, not every run after it
        repeat(periodic, every=timedelta(0) if more else every)
