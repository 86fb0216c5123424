"""Listening's background work, and the one place it is queued.

`listen_tick` (periodic) queues a `poll_monitor` task for every due monitor that has none
waiting, and renews WebSub subscriptions about to run out. Task bodies import the modules
that do the work when they run: those modules queue work through this one.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.tasks import task

from groundswell.lib import leases, worklog
from groundswell.lib.http import NETWORK_QUEUE
from groundswell.lib.periodic import REPORTS_QUEUE, periodic

TICK_EVERY = timedelta(seconds=15)
# A queued poll not run within this is queued again (its task was lost).
QUEUED_FOR = timedelta(minutes=10)
PER_TICK = 1000


@task(queue_name=NETWORK_QUEUE)
def poll_monitor(monitor_id: int) -> str:
    from . import polling
    from .models import Monitor

    Monitor.objects.filter(pk=monitor_id).update(queued_at=None)
    return polling.poll(monitor_id).status


@task(queue_name=NETWORK_QUEUE)
def websub_subscribe(monitor_id: int) -> str:
    from . import websub

    return websub.subscribe(monitor_id)


@task(queue_name=NETWORK_QUEUE)
def websub_unsubscribe(monitor_id: int) -> str:
    from . import websub

    return websub.unsubscribe(monitor_id)


@task(queue_name=NETWORK_QUEUE)
def websub_delivery(delivery_id: int) -> int:
    from . import websub

    return websub.process(delivery_id)


def due_now() -> list[int]:
    """Mark the due monitors with no poll waiting as queued; returns their ids."""
    from .models import Monitor

    moment = leases.now()
    waiting = Q(queued_at__isnull=False, queued_at__gt=moment - QUEUED_FOR)
    found = list(
        Monitor.objects.due(moment).exclude(waiting).values_list("pk", flat=True)[:PER_TICK]
    )
    Monitor.objects.filter(pk__in=found).update(queued_at=moment)
    return found


def renewals() -> list[int]:
    """Monitors whose WebSub subscription runs out soon (or never came through)."""
    from .models import POLLED, Monitor
    from .websub import ASK_AGAIN_AFTER, RENEW_BEFORE

    moment = leases.now()
    soon = Q(websub_verified_until__lt=moment + RENEW_BEFORE) & (
        Q(websub_asked_at__isnull=True) | Q(websub_asked_at__lt=moment - ASK_AGAIN_AFTER)
    )
    found = list(
        Monitor.objects.filter(state__in=POLLED)
        .exclude(hub_url="")
        .exclude(url="")
        .filter(soon)
        .values_list("pk", flat=True)[:100]
    )
    return found


@periodic(every=TICK_EVERY, queue_name=NETWORK_QUEUE)
def listen_tick() -> None:
    for pk in due_now():
        poll_monitor.enqueue(pk)
    for pk in renewals():
        websub_subscribe.enqueue(pk)


def queue_websub_subscribe(monitor_id: int) -> None:
    transaction.on_commit(lambda: websub_subscribe.enqueue(monitor_id), robust=True)


def queue_websub_delivery(delivery_id: int) -> None:
    transaction.on_commit(lambda: websub_delivery.enqueue(delivery_id), robust=True)


def queue_websub_unsubscribe(monitor_id: int) -> None:
    transaction.on_commit(lambda: websub_unsubscribe.enqueue(monitor_id), robust=True)


SPIKES_EVERY = timedelta(minutes=5)


@periodic(every=SPIKES_EVERY, queue_name=REPORTS_QUEUE)
def watch_spikes() -> int:
    """Raise the rules and campaigns spiking now, email them to those who asked, and
    forget spikes past their keeping (spikes.py)."""
    from . import alerts, spikes

    now = leases.now()
    raised = spikes.detect(now, on_raised=alerts.tell_subscribers)
    worklog.did("raised", len(raised), "spikes")
    spikes.forget_old(now)
    return len(raised)


APPROVALS_EVERY = timedelta(minutes=1)


@periodic(every=APPROVALS_EVERY)
def tell_approvers() -> int:
    """Email those who may approve about fediverse replies waiting for them, gathered and
    throttled per organisation (approvals.py)."""
    from . import approvals

    return approvals.tell_approvers(leases.now())
