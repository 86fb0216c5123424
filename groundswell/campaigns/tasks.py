from __future__ import annotations

from django.db import transaction
from django.tasks import task

from groundswell.lib.http import NETWORK_QUEUE
from groundswell.lib.media import delete as delete_media

from . import media

# Ahead of other network work queued by the same commit, where a worker has the choice.
MEDIA_PRIORITY = 10


@task(queue_name=NETWORK_QUEUE, priority=MEDIA_PRIORITY)
def settle_campaign_cover(campaign_id: int) -> None:
    """Copy the cover to its public address, or delete the public copy, as the campaign is
    now (object storage only; see `media.settle_campaign`)."""
    if not media.settle_campaign(campaign_id):
        # It kept changing while this ran: one more turn, from the queue.
        settle_campaign_cover.enqueue(campaign_id)


@task(queue_name=NETWORK_QUEUE, priority=MEDIA_PRIORITY)
def delete_files(names: list[str]) -> None:
    """Delete replaced or orphaned cover files, public copies included (idempotent)."""
    delete_media(names)


def queue_campaign_cover(campaign_id: int) -> None:
    """Settle the cover once the caller's transaction has committed: a worker that ran
    before would read the campaign as it was, and a rolled-back change queues nothing."""
    transaction.on_commit(lambda: settle_campaign_cover.enqueue(campaign_id), robust=True)


def queue_file_deletion(names: list[str]) -> None:
    """Delete the files once the caller's transaction has committed."""
    transaction.on_commit(lambda: delete_files.enqueue(names), robust=True)
