"""One log line per turn of real work, instead of one per task.

The worker runs its periodic tasks twice a second whether there is work or not; a line per
task run (what django.tasks logs at INFO) buries the few lines that matter. A task instead
counts what it did with `did("sent", 200, "confirmation emails")`, and when the task
finishes the counts become one INFO line ("send_confirmations: sent 200 confirmation
emails"), or nothing at all when it did nothing. Failures are still logged by django.tasks
at ERROR, with their traceback.

Counts are kept per thread: the worker runs one task at a time, and the immediate backend
(tests) runs a task in the thread that enqueued it.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.tasks.signals import task_finished, task_started

logger = logging.getLogger("groundswell.worker")

_counts = threading.local()


def did(verb: str, count: int, things: str) -> None:
    """Count `count` `things` (a plural: "signatures") done by `verb` in the running task."""
    if count <= 0:
        return
    pending: dict[tuple[str, str], int] = _pending()
    pending[verb, things] = pending.get((verb, things), 0) + count


def _counted(count: int, things: str) -> str:
    # English only: the log is for the operator, not translated.
    return f"1 {things.removesuffix('s')}" if count == 1 else f"{count} {things}"


def _pending() -> dict[tuple[str, str], int]:
    if not hasattr(_counts, "pending"):
        _counts.pending = {}
    pending: dict[tuple[str, str], int] = _counts.pending
    return pending


def summary(counts: dict[tuple[str, str], int]) -> str:
    """ "sent 200 confirmation emails, recorded 3 signatures": verbs said once each."""
    parts: list[str] = []
    previous = ""
    for (verb, things), count in counts.items():
        counted = _counted(count, things)
        parts.append(counted if verb == previous else f"{verb} {counted}")
        previous = verb
    return ", ".join(parts)


def flush(task_name: str) -> None:
    """Log what the task that just finished did, in one line, and start counting afresh."""
    pending = _pending()
    if pending:
        logger.info("%s: %s", task_name, summary(pending))
        pending.clear()


def _on_task_started(sender: Any, task_result: Any, **kwargs: Any) -> None:
    # Counted outside any task (a function called directly): not this task's work.
    _pending().clear()


def _on_task_finished(sender: Any, task_result: Any, **kwargs: Any) -> None:
    flush(task_result.task.name)


task_started.connect(_on_task_started, dispatch_uid="groundswell.lib.worklog.started")
task_finished.connect(_on_task_finished, dispatch_uid="groundswell.lib.worklog")
