"""Periodic work on django-tasks-db: tasks that queue their own next run.

django-tasks-db has no scheduler (docs/decisions/0003-periodic-tasks.md). A function
decorated with `@periodic(every=...)` becomes a task that, however its run ends, queues its
successor with a `run_after`: an exception fails that run, never the series. The worker
command calls `schedule_all()` at start-up, which queues one run of every registered task
that has none waiting (a worker killed mid-run leaves none). Exactly one run waits at a time.

Under a backend that cannot defer (the immediate one in tests) nothing is re-queued, so a
task runs once when called; tests drive them with `groundswell.testing.run_periodic`.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured
from django.tasks import DEFAULT_TASK_QUEUE_NAME, Task, task
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

PeriodicTask = Task[[], None]

KEEP_RESULTS_FOR = timedelta(minutes=10)
TURN = timedelta(seconds=1)

# Every periodic task, by name; filled as the apps' tasks.py modules are imported.
REGISTRY: dict[str, PeriodicTask] = {}


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
            wait = every
            try:
                if batch is None:
                    work()
                elif _in_turns(work, batch):
                    wait = timedelta(0)  # work is left: the next turn is due at once
            finally:  # an error fails this run, not every run after it
                _repeat(made, every=wait)

        made: PeriodicTask = task(queue_name=queue_name)(run)
        if made.name in REGISTRY:
            raise ImproperlyConfigured(f"Two periodic tasks are called {made.name}.")
        REGISTRY[made.name] = made
        return made

    return decorate


def _in_turns(step: Callable[[], int | None], batch: int | Callable[[], int]) -> bool:
    """Call `step` while it does a full batch, for about TURN; True if work is left."""
    full = batch() if callable(batch) else batch
    deadline = time.monotonic() + TURN.total_seconds()
    while step() == full:
        if time.monotonic() > deadline:
            return True
    return False


def keep_one_waiting(periodic_task: PeriodicTask, *, delay: timedelta = timedelta(0)) -> bool:
    """Queue a run of `periodic_task` unless one already waits; True if this call queued it."""
    if not periodic_task.get_backend().supports_defer:
        return False
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(task_path=periodic_task.module_path, status="READY")
    if waiting.exists():
        return False
    periodic_task.using(run_after=timezone.now() + delay).enqueue()
    return True


def _repeat(periodic_task: PeriodicTask, *, every: timedelta) -> None:
    """At the end of a run: queue the next one and forget old finished runs."""
    if not periodic_task.get_backend().supports_defer:
        return
    keep_one_waiting(periodic_task, delay=every)
    from django_tasks_db.models import DBTaskResult

    # Every run leaves a result row; at one run a second they would pile up.
    DBTaskResult.objects.filter(
        task_path=periodic_task.module_path,
        status="SUCCESSFUL",
        finished_at__lt=timezone.now() - KEEP_RESULTS_FOR,
    ).delete()


def discover() -> dict[str, PeriodicTask]:
    """Import every app's tasks.py, so that REGISTRY holds every periodic task."""
    autodiscover_modules("tasks")
    return REGISTRY


def schedule_all() -> list[str]:
    """The worker calls this at start-up: one run of each periodic task waiting, whatever
    happened before. Returns the names of those this call queued."""
    return [name for name, each in discover().items() if keep_one_waiting(each)]
