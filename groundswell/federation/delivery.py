"""Outbound: an activity fans out into one Delivery per inbox, each sent, retried or given up.

    OutboxActivity: pending ──fan_out──▶ fanned_out
    Delivery:       pending ──deliver──▶ delivered
                       │ failure            ▲
                       ▼                    │ success
                    failed ──(back-off)─────┘──▶ given_up (after the last back-off, a
                                                 permanent refusal, or three days)

Sending is claimed with a conditional UPDATE that also moves `next_attempt_at` a lease ahead
(`lib.leases.claim`): two workers cannot send the same delivery at once, and a worker that dies
mid-send leaves a row that the sweep picks up again once the lease runs out.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q

from groundswell.lib import http
from groundswell.lib.leases import Breaker, Retry, claim, now

from . import documents, remote
from .keys import actor_key
from .models import (
    Delivery,
    DeliveryState,
    Follower,
    InboxHealth,
    OutboxActivity,
    OutboxState,
)
from .signatures import sign

log = logging.getLogger(__name__)

# About two days of retries in all (1m + 5m + 30m + 2h + 6h + 12h + 24h ≈ 44.6 h).
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=12),
    timedelta(hours=24),
)
LEASE = timedelta(minutes=5)
RETRY = Retry(lease=LEASE, waits=BACKOFF)
GIVE_UP_AFTER = timedelta(days=3)  # also bounds time spent waiting behind a paused inbox
# How long a queued `deliver` task may wait before the sweep takes it for lost and queues another.
QUEUED_FOR = timedelta(minutes=30)
BREAKER_THRESHOLD = 5  # consecutive failures before an inbox is paused
BREAKER_PAUSE = timedelta(hours=1)
BREAKER = Breaker(threshold=BREAKER_THRESHOLD, pause=BREAKER_PAUSE, max_pause=timedelta(hours=12))
SEND_TIMEOUT = 10.0


def follower_inboxes(organisation_id: int) -> list[str]:
    """Where the followers get our posts: their server's shared inbox when it has one.

    A thousand followers on one server cost one delivery, not a thousand.
    """
    rows = Follower.objects.filter(organisation_id=organisation_id).values_list(
        "actor__shared_inbox", "actor__inbox"
    )
    return sorted({shared or inbox for shared, inbox in rows.iterator(chunk_size=2000)})


def _unblocked(inboxes: Iterable[str]) -> list[str]:
    """The inboxes we may deliver to: well-formed addresses on servers that are not blocked.

    A malformed inbox (stored before addresses were checked, say) is skipped here, so one bad
    follower cannot stop an activity from reaching all the others.
    """
    verdicts: dict[str, bool] = {}
    kept = []
    for inbox in inboxes:
        if not remote.is_address(inbox):
            log.warning("skipping a malformed inbox address")
            continue
        domain = remote.domain_of(inbox)
        if domain not in verdicts:
            verdicts[domain] = remote.is_blocked(inbox)
        if not verdicts[domain]:
            kept.append(inbox)
    return kept


def fan_out(activity_id: int) -> list[int]:
    """Make the activity's deliveries (once) and return the ids of those waiting to go."""
    activity = OutboxActivity.objects.filter(pk=activity_id).first()
    if activity is None:
        return []
    if activity.state == OutboxState.PENDING:
        inboxes = activity.targets or follower_inboxes(activity.organisation_id)
        moment = now()
        with transaction.atomic():
            # ignore_conflicts + the unique (activity, inbox) constraint: a second fan-out of
            # the same activity (a retried task, the sweep) adds nothing.
            Delivery.objects.bulk_create(
                [
                    Delivery(activity=activity, inbox=inbox, next_attempt_at=moment)
                    for inbox in _unblocked(inboxes)
                ],
                ignore_conflicts=True,
                batch_size=1000,
            )
            OutboxActivity.objects.filter(pk=activity.pk, state=OutboxState.PENDING).update(
                state=OutboxState.FANNED_OUT
            )
    return list(
        Delivery.objects.filter(activity=activity, state=DeliveryState.PENDING).values_list(
            "pk", flat=True
        )
    )


def _is_permanent(status: int) -> bool:
    # As Mastodon does: a 4xx will not get better by asking again, except these.
    return 400 <= status < 500 and status not in (401, 408, 429)


def _breaker_failure(inbox: str, error: str, moment: datetime) -> None:
    try:
        with transaction.atomic():
            health, _ = InboxHealth.objects.get_or_create(inbox=inbox)
    except IntegrityError:
        # Another worker made the row between our read and our insert: use theirs.
        health = InboxHealth.objects.get(inbox=inbox)
    InboxHealth.objects.filter(pk=health.pk).update(
        consecutive_failures=F("consecutive_failures") + 1, last_error=error[:300]
    )
    health.refresh_from_db()
    pause = BREAKER.pause_for(health.consecutive_failures)
    if pause is not None:
        InboxHealth.objects.filter(pk=health.pk).update(paused_until=moment + pause)


def _breaker_success(inbox: str) -> None:
    InboxHealth.objects.filter(inbox=inbox).exclude(
        consecutive_failures=0, paused_until__isnull=True
    ).update(consecutive_failures=0, paused_until=None, last_error="")


def paused_until(inbox: str, moment: datetime) -> datetime | None:
    health = InboxHealth.objects.filter(inbox=inbox, paused_until__gt=moment).first()
    return health.paused_until if health else None


def deliver(delivery_id: int) -> str:
    """Try one delivery if it is due; returns what happened (for logs and tests)."""
    moment = now()
    # The task queued for this row is running: the sweep may queue another one from now on.
    Delivery.objects.filter(pk=delivery_id, queued_at__isnull=False).update(queued_at=None)
    delivery = (
        Delivery.objects.select_related("activity__organisation")
        .filter(pk=delivery_id, state__in=(DeliveryState.PENDING, DeliveryState.FAILED))
        .first()
    )
    if delivery is None:
        return "done"
    if delivery.next_attempt_at > moment:
        return "not due"
    unchanged = Delivery.objects.filter(
        pk=delivery.pk,
        state=delivery.state,
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at,
    )
    if moment - delivery.created_at > GIVE_UP_AFTER:
        unchanged.update(state=DeliveryState.GIVEN_UP, last_error="gave up after three days")
        return "given up"
    paused = paused_until(delivery.inbox, moment)
    if paused is not None:
        # The inbox is resting: wait for it without spending an attempt.
        unchanged.update(next_attempt_at=paused)
        return "paused"
    if not claim(unchanged, RETRY, moment):
        return "claimed elsewhere"
    attempts = delivery.attempts + 1
    activity = delivery.activity
    if remote.is_blocked(delivery.inbox):
        _finish(delivery.pk, DeliveryState.GIVEN_UP, error="the server is blocked")
        return "given up"
    body = json.dumps(activity.payload, separators=(",", ":")).encode()
    key = actor_key(activity.organisation)
    headers = sign(
        private_key_pem=key.private_key_pem,
        key_id=documents.key_id(activity.organisation),
        url=delivery.inbox,
        body=body,
        now=moment,
    )
    headers["Accept"] = documents.ACTIVITY_JSON
    status: int | None = None
    try:
        response = http.post(
            delivery.inbox, content=body, headers=headers, timeout=SEND_TIMEOUT, max_bytes=4096
        )
        status = response.status
        error = "" if 200 <= status < 300 else f"the inbox answered {status}"
    except http.BlockedAddress as failure:
        # The inbox's host is private or local: it will not change by asking again, and it
        # says nothing about the health of anyone's inbox.
        _finish(delivery.pk, DeliveryState.GIVEN_UP, error=str(failure))
        return "given up"
    except http.FetchError as failure:
        error = str(failure)
    if status is not None and 200 <= status < 300:
        _finish(delivery.pk, DeliveryState.DELIVERED, status=status, delivered_at=moment)
        _breaker_success(delivery.inbox)
        return "delivered"
    if status is not None and _is_permanent(status):
        # The server is up and said no: not a reason to pause the inbox for everyone else.
        _finish(delivery.pk, DeliveryState.GIVEN_UP, status=status, error=error)
        _breaker_success(delivery.inbox)
        return "given up"
    _breaker_failure(delivery.inbox, error, moment)
    retry_at = RETRY.next_attempt(attempts, moment)
    if retry_at is None:
        _finish(delivery.pk, DeliveryState.GIVEN_UP, status=status, error=error)
        return "given up"
    _finish(
        delivery.pk,
        DeliveryState.FAILED,
        status=status,
        error=error,
        next_attempt_at=retry_at,
    )
    return "failed"


def _finish(
    pk: int,
    state: str,
    *,
    status: int | None = None,
    error: str = "",
    delivered_at: datetime | None = None,
    next_attempt_at: datetime | None = None,
) -> None:
    fields: dict[str, object] = {"state": state, "last_status": status, "last_error": error[:300]}
    if delivered_at is not None:
        fields["delivered_at"] = delivered_at
    if next_attempt_at is not None:
        fields["next_attempt_at"] = next_attempt_at
    Delivery.objects.filter(pk=pk).update(**fields)


def mark_queued(delivery_ids: list[int], moment: datetime) -> None:
    """Note that a `deliver` task now waits for each of these rows."""
    if delivery_ids:
        Delivery.objects.filter(pk__in=delivery_ids).update(queued_at=moment)


def due_deliveries(moment: datetime, *, limit: int = 1000) -> list[int]:
    """Deliveries whose time has come and for which no task is waiting; marks them queued.

    Retries, and first attempts whose task went missing. A row whose task has waited longer
    than QUEUED_FOR is taken again: that task was most likely lost.
    """
    waiting = Q(state=DeliveryState.FAILED) | Q(
        state=DeliveryState.PENDING, next_attempt_at__lte=moment - timedelta(minutes=1)
    )
    not_queued = Q(queued_at__isnull=True) | Q(queued_at__lte=moment - QUEUED_FOR)
    due = list(
        Delivery.objects.filter(waiting, not_queued, next_attempt_at__lte=moment)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    mark_queued(due, moment)
    return due
