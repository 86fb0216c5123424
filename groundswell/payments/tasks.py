"""The payments app's background work, both periodic (lib/periodic.py).

`open_checkouts` talks to the providers, so it runs on the network queue: a slow provider
never delays signatures or email. `apply_payment_events` only writes our own rows.
"""

from __future__ import annotations

from datetime import timedelta

from groundswell.lib.http import NETWORK_QUEUE
from groundswell.lib.periodic import periodic

from . import checkout, events, pledges

OPEN_EVERY = timedelta(milliseconds=500)
EVENTS_EVERY = timedelta(seconds=1)


@periodic(every=OPEN_EVERY, queue_name=NETWORK_QUEUE, batch=checkout.BATCH)
def open_checkouts() -> int:
    """Ask the provider for a checkout for each new donation; the donor's page waits."""
    return checkout.open_waiting()


@periodic(every=EVENTS_EVERY, batch=events.BATCH)
def apply_payment_events() -> int:
    """Apply the verified webhooks to their donations, in the order they arrived."""
    return events.apply_due()


@periodic(every=timedelta(minutes=5), batch=pledges.BATCH)
def remind_pledges() -> int:
    """Email the pledges whose day has come, with the link to keep them."""
    return pledges.remind_due()
