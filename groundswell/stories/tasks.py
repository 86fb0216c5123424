from __future__ import annotations

import io
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from groundswell.lib import http
from groundswell.lib.html import read_page_metadata
from groundswell.lib.images import process_image
from groundswell.lib.tasks import MEDIA_PRIORITY, storage_work_or_later

from . import cards, media
from .models import LinkCard, LinkCardStatus

logger = logging.getLogger(__name__)


@task(queue_name=http.NETWORK_QUEUE)
def fetch_link_card(card_id: int) -> None:
    """Fetch a link's title and image through our one client; idempotent per card.

    The card always leaves `pending`: whatever the page does (a charset that raises, markup the
    parser chokes on), it ends `ready`, `failed` or `refused` with a reason.
    """
    card = LinkCard.objects.filter(pk=card_id, status=LinkCardStatus.PENDING).first()
    if card is None:
        return
    try:
        page = http.get(card.url, headers={"Accept": "text/html"}, max_bytes=2_000_000)
        if page.status >= 400:
            raise http.FetchError(f"the page answered {page.status}")
        meta = read_page_metadata(page.text, page.url)
    except http.BlockedAddress as error:
        _finish(card, LinkCardStatus.REFUSED, error=str(error))
        return
    except http.FetchError as error:
        _finish(card, LinkCardStatus.FAILED, error=str(error))
        return
    except Exception:  # a hostile page must not leave the card pending forever
        logger.exception("link card %s: the page could not be read", card.pk)
        _finish(card, LinkCardStatus.FAILED, error="the page could not be read")
        return
    # PostgreSQL refuses NUL in text; a page may well contain one.
    card.title = _printable(meta["title"])
    card.description = _printable(meta["description"])
    card.site_name = _printable(meta["site_name"])
    if meta["image_url"]:
        # The card image is copied to our server: readers never load a third-party image.
        try:
            picture = http.get(meta["image_url"], max_bytes=5_000_000)
            processed = process_image(io.BytesIO(picture.content), name="card")
            card.image.save(processed.small.name or "card.jpg", processed.small, save=False)
        except (http.FetchError, ValidationError) as error:
            logger.info("link card %s: image skipped (%s)", card.pk, error)
    with transaction.atomic():
        _finish(card, LinkCardStatus.READY)
        # A story showing the card may have gone public while it was fetched: the gate
        # never read these words, so they are checked now (held off its pages if flagged).
        cards.check_fetched(card)


def _printable(value: str) -> str:
    return value.replace("\x00", "")


def _finish(card: LinkCard, status: str, *, error: str = "") -> None:
    card.status = status
    card.error = error[:300]
    card.fetched_at = timezone.now()
    card.save()


def queue_link_card(card_id: int) -> None:
    """Queue the fetch of a card just created; with the database queue the task row commits
    with the card, in the caller's transaction."""
    fetch_link_card.enqueue(card_id)


@task(queue_name=http.NETWORK_QUEUE, priority=MEDIA_PRIORITY)
def settle_story_images(story_id: int, attempt: int = 1) -> None:
    """Copy the story's images to their public address, or delete the public copies, as the
    story is now (object storage only; see `media.settle_story`). With S3 out of reach it
    runs again later (`lib.media.STORAGE_RETRY`), and fails for good after the last wait."""
    settled = storage_work_or_later(
        settle_story_images, lambda: media.settle_story(story_id), (story_id,), attempt
    )
    if not settled:
        # Published and unpublished again while this ran: one more turn, from the queue.
        settle_story_images.enqueue(story_id)


def queue_story_images(story_id: int) -> None:
    """Settle the story's images once the caller's transaction has committed: a worker that
    ran before would read the story as it was, and a rolled-back publish queues nothing."""
    transaction.on_commit(lambda: settle_story_images.enqueue(story_id), robust=True)
