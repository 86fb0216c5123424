"""Periodic work on django-tasks-db: tasks that queue their own next run.

There is no scheduler process; each periodic task ends by queueing its successor with a
`run_after`, and the worker command queues one of each at start-up (a worker killed mid-run
leaves none waiting). Exactly one run waits at a time. Under a backend that cannot defer
(the immediate one in tests) nothing is re-queued, so a task runs once when called.
"""

from __future__ import annotations

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
