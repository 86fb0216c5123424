from __future__ import annotations

from datetime import timedelta

from django.tasks import task

from groundswell.lib.http import NETWORK_QUEUE
from groundswell.lib.periodic import keep_one_waiting, repeat

from . import accounts, services

# How often the worker looks for due posts: "on time" means within this.
DISPATCH_EVERY = timedelta(seconds=15)


@task(queue_name=NETWORK_QUEUE)
def dispatch_due_posts() -> None:
    """Send what is due, then run again shortly. Under a backend that cannot defer (the
    immediate one in tests) it runs once and does not re-enqueue itself."""
    try:
        accounts.check_forgotten()
        services.dispatch_due()
    finally:
        # Re-queued even when this run failed, or posts would stop going out.
        repeat(dispatch_due_posts, every=DISPATCH_EVERY)


@task(queue_name=NETWORK_QUEUE)
def check_account(account_id: int) -> None:
    """Log in with an account just connected on the Social accounts page (accounts.check)."""
    accounts.check(account_id)


def schedule_periodic(*, delay: timedelta = timedelta(0)) -> bool:
    """Keep exactly one dispatch waiting in the queue; True if this call added it.

    The worker command calls this at start-up (a worker killed mid-run leaves none waiting).
    """
    return keep_one_waiting(dispatch_due_posts, delay=delay)
