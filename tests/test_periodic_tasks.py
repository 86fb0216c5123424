"""Every periodic task queues its next run, even when a run fails (lib/periodic.py).

A run fails here the way it most often would for real: the database refuses its queries.
Only the task queue's own table still answers, as it must for the next run to be queued.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from groundswell.lib import periodic

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
]


def test_every_periodic_task_is_tested_here() -> None:
    assert sorted(periodic.discover()) == sorted(PERIODIC_TASKS)


@pytest.fixture
def database_refuses_all_but_the_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    # A private method, absent from django-stubs: the one every statement goes through.
    real = CursorWrapper._execute  # type: ignore[attr-defined]

    def refuse(self: CursorWrapper, sql: str, params: Any, *ignored: Any) -> Any:
        if "django_tasks_database" not in sql:
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
