"""The tick queues one poll per due monitor on a real task queue, and never a second one
while the first waits; a lost one is queued again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django_tasks_db.models import DBTaskResult

from groundswell import testing
from groundswell.accounts.models import Organisation
from groundswell.listening import tasks
from groundswell.listening.models import Monitor

pytestmark = pytest.mark.django_db


def polls_queued() -> list[list[object]]:
    rows = DBTaskResult.objects.filter(task_path__endswith="poll_monitor", status="READY")
    return sorted(row.args_kwargs["args"] for row in rows)


def test_due_monitors_get_one_poll_each_and_a_lost_one_is_queued_again(
    org: Organisation, task_queue: None, clock: testing.FakeClock
) -> None:
    due = Monitor.objects.create(
        organisation=org, kind="feed", url="https://a.example/feed", next_attempt_at=clock.moment
    )
    later = Monitor.objects.create(
        organisation=org,
        kind="feed",
        url="https://b.example/feed",
        next_attempt_at=clock.moment + timedelta(minutes=5),
    )
    Monitor.objects.create(
        organisation=org,
        kind="feed",
        url="https://c.example/feed",
        state="paused",
        next_attempt_at=clock.moment,
    )

    testing.run_periodic("listen_tick")
    testing.run_periodic("listen_tick")

    assert polls_queued() == [[due.pk]]
    DBTaskResult.objects.filter(task_path__endswith="poll_monitor").delete()  # lost
    clock.advance(tasks.QUEUED_FOR + timedelta(seconds=1))
    testing.run_periodic("listen_tick")
    # The lost one again, and the later one now that its time has come.
    assert polls_queued() == [[due.pk], [later.pk]]
