from __future__ import annotations

from datetime import timedelta

from django.tasks import default_task_backend, task
from django.utils import timezone

from . import services

# How often the worker looks for due posts: "on time" means within this.
DISPATCH_EVERY = timedelta(seconds=15)


@task()
def dispatch_due_posts() -> None:
    """Send what is due, then run again shortly. Under a backend that cannot defer (the
    immediate one in tests) it runs once and does not re-enqueue itself."""
    services.dispatch_due()
    if default_task_backend.supports_defer:
        schedule_periodic(delay=DISPATCH_EVERY)
        _forget_old_runs()


def _forget_old_runs() -> None:
    # One result row per run, four a minute: keep only the recent ones.
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(
        task_path=dispatch_due_posts.module_path,
        status="SUCCESSFUL",
        finished_at__lt=timezone.now() - timedelta(minutes=10),
    ).delete()


def schedule_periodic(*, delay: timedelta = timedelta(0)) -> bool:
    """Keep exactly one dispatch waiting in the queue; True if this call added it.

    The worker command calls this at start-up (a worker killed mid-run leaves none waiting).
    """
    if not default_task_backend.supports_defer:
        return False
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(
        task_path=dispatch_due_posts.module_path, status="READY"
    ).exists()
    if waiting:
        return False
    dispatch_due_posts.using(run_after=timezone.now() + delay).enqueue()
    return True
