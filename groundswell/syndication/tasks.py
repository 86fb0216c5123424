"""Syndication's background work, and the one place it is queued (`queue_account_check`).

Task bodies import the modules that do the work when they run: those modules queue work
through this one, so importing them here would run back up.
"""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task

from groundswell.lib.http import NETWORK_QUEUE
from groundswell.lib.periodic import periodic

# How often the worker looks for due posts: "on time" means within this.
DISPATCH_EVERY = timedelta(seconds=15)


@periodic(every=DISPATCH_EVERY, queue_name=NETWORK_QUEUE)
def dispatch_due_posts() -> None:
    """Check the accounts a lost task left pending, then send what is due."""
    from . import accounts, sending

    accounts.check_forgotten()
    sending.dispatch_due()


@task(queue_name=NETWORK_QUEUE)
def check_account(account_id: int) -> None:
    """Log in with an account just connected on the Social accounts page (accounts.check)."""
    from . import accounts

    accounts.check(account_id)


def queue_account_check(account_id: int) -> None:
    """Queue the check of an account just stored as "checking".

    Called inside the transaction that stores the account: with the database queue the task
    row is committed with the account, so neither exists without the other.
    """
    check_account.enqueue(account_id)
