"""The actions app's background work: every task here is periodic (lib/periodic.py).

Recording what the sign form took in (intake.py), the confirmation emails (emails.py), the
petition updates (updates.py) and the counts each run in turns; this module only declares
them and queues them.
"""

from __future__ import annotations

from datetime import timedelta

from groundswell.lib import worklog
from groundswell.lib.periodic import periodic

from . import emails, intake, services, updates
from .models import PetitionUpdate

RECOUNT_EVERY = timedelta(seconds=1)
INTAKE_EVERY = timedelta(milliseconds=500)
CONFIRMATIONS_EVERY = timedelta(milliseconds=500)
UPDATES_EVERY = timedelta(seconds=2)


@periodic(every=CONFIRMATIONS_EVERY, batch=emails.CONFIRMATION_BATCH)
def send_confirmations() -> int:
    """Send every confirmation email owed, in batches over a few SMTP connections at once.

    A signature owes an email while `confirmation_sends > confirmations_delivered`: the row is
    the queue. Each message is handed to the mail server first and counted after, so a worker
    killed in between sends it again (at least once); its Message-ID is fixed per send, so
    the receiving server can recognise the copy (see notifications/bulk.py).
    """
    return emails.send_confirmations_and_notices()


def queue_update(update: PetitionUpdate) -> None:
    """Start sending `update` now rather than at `send_updates`' next look."""
    send_updates.enqueue()


@periodic(every=UPDATES_EVERY, batch=lambda: updates.UPDATE_BATCH)
def send_updates() -> int:
    """Send the petition updates still going out, in bounded steps, and look again shortly.

    An update is sent in steps (`updates.update_step`): list up to UPDATE_BATCH more recipients
    (confirmed signers from before the update, with a standing 'updates' consent) as
    delivery rows, then send up to UPDATE_BATCH waiting deliveries, each marked sent once
    the mail server took it. Being periodic, this picks up after a failed step, and after
    a worker died mid-step once that step's lease ran out: nobody is sent an update twice,
    except that a kill between a server's 250 and our record doubles that one message.
    """
    return updates.update_step()


@periodic(every=RECOUNT_EVERY)
def recount_petitions() -> None:
    """Recount petitions whose signatures changed.

    This is the only writer of PetitionTally: no request ever touches a counter row.
    """
    for petition_id in services.petitions_needing_recount():
        services.recount(petition_id)
        worklog.did("recounted", 1, "petitions")


RECONCILE_EVERY = timedelta(minutes=1)
RECONCILE_AFTER = timedelta(minutes=2)
RECONCILE_BATCH = 100


@periodic(every=RECONCILE_EVERY)
def reconcile_tallies() -> None:
    """Recount, from the rows, the tallies not recomputed for a while, oldest first.

    The change-driven recount compares timestamps, and a transaction that commits after a
    recount with an older timestamp escapes it; this catches such drift within minutes.
    """
    for petition_id in services.tallies_to_reconcile(RECONCILE_AFTER, RECONCILE_BATCH):
        services.recount(petition_id)


@periodic(every=INTAKE_EVERY, batch=intake.BATCH)
def process_intake() -> int:
    """Record a batch of the signatures the web form took in; how many."""
    return intake.process()
