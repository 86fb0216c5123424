from __future__ import annotations

from datetime import timedelta

from django.tasks import task

from groundswell.lib.http import NETWORK_QUEUE
from groundswell.lib.periodic import periodic

from . import accounts, services

# How often the worker looks for due posts: "on time" means within this.
DISPATCH_EVERY = timedelta(seconds=15)


@periodic(every=DISPATCH_EVERY, queue_name=NETWORK_QUEUE)
def dispatch_due_posts() -> None:
    """Check the accounts a lost task left pending, then send what is due."""
    accounts.check_forgotten()
    services.dispatch_due()


@task(queue_name=NETWORK_QUEUE)
def check_account(account_id: int) -> None:
    """Log in with an account just connected on the Social accounts page (accounts.check)."""
    accounts.check(account_id)
