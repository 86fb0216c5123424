"""Federation's background steps. Each is idempotent; the sweep re-runs whatever got stuck."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.tasks import task

from groundswell.lib import leases
from groundswell.lib.http import NETWORK_QUEUE
from groundswell.lib.periodic import periodic

from . import delivery, processing, signal_replies, verification
from .models import OutboxActivity, OutboxState, ReceivedActivity, ReceivedState

SWEEP_EVERY = timedelta(seconds=30)
STUCK_AFTER = timedelta(minutes=1)


@task(queue_name=NETWORK_QUEUE)
def fan_out(activity_id: int) -> int:
    """Make the activity's deliveries, then queue each one; returns how many were queued."""
    pending = delivery.fan_out(activity_id)
    delivery.mark_queued(pending, leases.now())
    for delivery_id in pending:
        deliver.enqueue(delivery_id)
    return len(pending)


@task(queue_name=NETWORK_QUEUE)
def deliver(delivery_id: int) -> str:
    return delivery.deliver(delivery_id)


@task(queue_name=NETWORK_QUEUE)
def send_signal_reply(reply_id: int) -> str:
    """A reply staff wrote to a post listening heard: find its author, queue the Note."""
    return signal_replies.send(reply_id)


@task(queue_name=NETWORK_QUEUE)
def process_received(received_id: int) -> str:
    """Verify the activity first if the inbox could not (fetching the key), then process it."""
    state = verification.verify(received_id)
    if state in (ReceivedState.UNVERIFIED, ReceivedState.DISCARDED, "missing"):
        return state
    return processing.process(received_id)


def sweep() -> dict[str, int]:
    """Queue again whatever is due or stuck: retries, lost fan-outs, unprocessed activities."""
    moment = leases.now()
    activities = list(
        OutboxActivity.objects.filter(
            state=OutboxState.PENDING, created_at__lte=moment - STUCK_AFTER
        ).values_list("pk", flat=True)[:200]
    )
    for pk in activities:
        fan_out.enqueue(pk)
    received = stuck_received(moment)
    for pk in received:
        process_received.enqueue(pk)
    due = delivery.due_deliveries(moment)
    for pk in due:
        deliver.enqueue(pk)
    forgotten = verification.forget_discarded(moment)
    replies = signal_replies.queued()
    for pk in replies:
        send_signal_reply.enqueue(pk)
    failed_replies = signal_replies.settle()
    return {
        "replies": len(replies),
        "failed_replies": failed_replies,
        "activities": len(activities),
        "received": len(received),
        "deliveries": len(due),
        "forgotten": forgotten,
    }


def stuck_received(moment: datetime) -> list[int]:
    """Received activities to hand out again: unprocessed, expired leases, retries now due.

    Those whose every attempt has been used up are marked failed for good instead.
    """
    ReceivedActivity.objects.filter(
        ~processing.RETRY.has_attempts_left(),
        state=ReceivedState.PROCESSING,
        next_attempt_at__lte=moment,
    ).update(state=ReceivedState.FAILED, error="the worker stopped while processing it")
    waiting = (ReceivedState.RECEIVED, ReceivedState.UNVERIFIED)
    # A new row's task was queued when it arrived; give that task a minute before doubting it.
    fresh = Q(state__in=waiting, attempts=0, received_at__gt=moment - STUCK_AFTER)
    # A row this sweep already queued again waits for that task, as deliveries do; an
    # unverified row also waits for its next key fetch, or for the worker fetching it now.
    requeued = Q(state__in=waiting, next_attempt_at__gt=moment)
    found = list(
        ReceivedActivity.objects.filter(
            processing.claimable(moment) | Q(state=ReceivedState.UNVERIFIED)
        )
        .exclude(fresh | requeued)
        .order_by("received_at")
        .values_list("pk", flat=True)[:1000]
    )
    ReceivedActivity.objects.filter(pk__in=found, state__in=waiting).update(
        next_attempt_at=moment + delivery.QUEUED_FOR
    )
    return found


@periodic(every=SWEEP_EVERY, queue_name=NETWORK_QUEUE)
def federation_tick() -> None:
    """Run the sweep (one tick waits in the queue at a time)."""
    sweep()


def queue_fan_out(activity_id: int) -> None:
    """Fan the activity out once the caller's transaction has committed it (the task may
    run in another process that must see the row)."""
    transaction.on_commit(lambda: fan_out.enqueue(activity_id), robust=True)


def queue_received(received_id: int) -> None:
    """Verify (if need be) and process an activity the inbox just stored."""
    process_received.enqueue(received_id)
