from __future__ import annotations

import logging

from django.db import transaction
from django.tasks import task

from groundswell.lib.http import NETWORK_QUEUE
from groundswell.lib.media import STORAGE_ERRORS, retry_at
from groundswell.lib.media import delete as delete_media

from . import media

logger = logging.getLogger(__name__)

# Ahead of other network work queued by the same commit, where a worker has the choice.
MEDIA_PRIORITY = 10


@task(queue_name=NETWORK_QUEUE, priority=MEDIA_PRIORITY)
def settle_campaign_cover(campaign_id: int, attempt: int = 1) -> None:
    """Copy the cover to its public address, or delete the public copy, as the campaign is
    now (object storage only; see `media.settle_campaign`). With S3 out of reach it runs
    again later (`lib.media.STORAGE_RETRY`), and fails for good after the last wait."""
    try:
        settled = media.settle_campaign(campaign_id)
    except STORAGE_ERRORS:
        later = retry_at(attempt)
        if later is None:
            raise
        logger.warning("campaign %s: media storage unavailable, retrying", campaign_id)
        settle_campaign_cover.using(run_after=later).enqueue(campaign_id, attempt + 1)
        return
    if not settled:
        # It kept changing while this ran: one more turn, from the queue.
        settle_campaign_cover.enqueue(campaign_id)


@task(queue_name=NETWORK_QUEUE, priority=MEDIA_PRIORITY)
def delete_files(names: list[str], attempt: int = 1) -> None:
    """Delete replaced or orphaned cover files, public copies included (idempotent;
    retried as `settle_campaign_cover` is)."""
    try:
        delete_media(names)
    except STORAGE_ERRORS:
        later = retry_at(attempt)
        if later is None:
            raise
        logger.warning("media storage unavailable for a deletion, retrying")
        delete_files.using(run_after=later).enqueue(names, attempt + 1)


def queue_campaign_cover(campaign_id: int) -> None:
    """Settle the cover once the caller's transaction has committed: a worker that ran
    before would read the campaign as it was, and a rolled-back change queues nothing."""
    transaction.on_commit(lambda: settle_campaign_cover.enqueue(campaign_id), robust=True)


def queue_file_deletion(names: list[str]) -> None:
    """Delete the files once the caller's transaction has committed."""
    transaction.on_commit(lambda: delete_files.enqueue(names), robust=True)
