from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.tasks import Task, task

from . import media, ratelimit
from .http import NETWORK_QUEUE
from .periodic import periodic

logger = logging.getLogger(__name__)

FORGET_EVERY = timedelta(minutes=5)


@periodic(every=FORGET_EVERY)
def forget_old_rate_counts() -> None:
    """Delete rate-limit counts of finished windows."""
    ratelimit.forget_old()


# Ahead of other network work queued by the same commit, where a worker has the choice:
# followers' servers fetch a story's images as soon as its Create reaches them.
MEDIA_PRIORITY = 10


def storage_work_or_later(
    this: Task[..., Any], work: Callable[[], bool], args: tuple[Any, ...], attempt: int
) -> bool:
    """Run a media task's `work`; with object storage out of reach, queue `this` again with
    `args` and the next attempt number after `media.STORAGE_RETRY`'s wait and answer True
    (nothing more to do now), or raise after the last wait."""
    try:
        return work()
    except media.STORAGE_ERRORS:
        later = media.retry_at(attempt)
        if later is None:
            raise
        logger.warning("%s: media storage unavailable, retrying", this.name)
        this.using(run_after=later).enqueue(*args, attempt + 1)
        return True


@task(queue_name=NETWORK_QUEUE, priority=MEDIA_PRIORITY)
def delete_media_files(names: list[str], attempt: int = 1) -> None:
    """Delete uploaded files and their public copies (idempotent; retried while object
    storage is out of reach)."""

    def delete() -> bool:
        media.delete(names)
        return True

    storage_work_or_later(delete_media_files, delete, (names,), attempt)


def queue_media_deletion(names: list[str]) -> None:
    """Delete the files once the caller's transaction has committed (the rows are gone)."""
    transaction.on_commit(lambda: delete_media_files.enqueue(names), robust=True)
