from __future__ import annotations

from django.db import transaction
from django.tasks import task

from groundswell.lib.http import NETWORK_QUEUE
from groundswell.lib.tasks import MEDIA_PRIORITY, storage_work_or_later

from . import media


@task(queue_name=NETWORK_QUEUE, priority=MEDIA_PRIORITY)
def settle_campaign_cover(campaign_id: int, attempt: int = 1) -> None:
    """Copy the cover to its public address, or delete the public copy, as the campaign is
    now (object storage only; see `media.settle_campaign`). With S3 out of reach it runs
    again later (`lib.media.STORAGE_RETRY`), and fails for good after the last wait."""
    settled = storage_work_or_later(
        settle_campaign_cover, lambda: media.settle_campaign(campaign_id), (campaign_id,), attempt
    )
    if not settled:
        # It kept changing while this ran: one more turn, from the queue.
        settle_campaign_cover.enqueue(campaign_id)


def queue_campaign_cover(campaign_id: int) -> None:
    """Settle the cover once the caller's transaction has committed: a worker that ran
    before would read the campaign as it was, and a rolled-back change queues nothing."""
    transaction.on_commit(lambda: settle_campaign_cover.enqueue(campaign_id), robust=True)
