"""The ideas app's background work, every task periodic (lib/periodic.py)."""

from __future__ import annotations

from datetime import timedelta

from groundswell.lib.periodic import periodic

from . import counts, intake, moderated, updates, vote_emails


@periodic(every=timedelta(milliseconds=500), batch=intake.BATCH)
def process_vote_intake() -> int:
    """Record the votes the form took in: the person, the vote and its credit."""
    return intake.process()


@periodic(every=timedelta(milliseconds=500), batch=vote_emails.BATCH)
def send_vote_confirmations() -> int:
    """Send the confirmation emails votes owe, in batches over a few SMTP connections.

    A pending vote owes its email until `confirmation_emailed`: the row is the queue, as a
    signature's is. Each message is handed to the mail server first and recorded after, so
    a worker killed in between sends it again, with the same Message-ID.
    """
    return vote_emails.send_batch()


@periodic(every=timedelta(seconds=1))
def recount_ideas() -> int:
    """The only writer of an idea's counts: confirmed and waiting votes, pledged totals."""
    return counts.recount_due()


@periodic(every=timedelta(seconds=2), batch=moderated.BATCH)
def moderate_ideas() -> int:
    """Hand confirmed ideas and comments to the moderation queue (the guard reads them)."""
    return moderated.queue_waiting()


@periodic(every=timedelta(seconds=2), batch=lambda: updates.BATCH)
def send_idea_updates() -> int:
    """Email a status change to those who took part, in resumable steps (updates.py)."""
    return updates.step()
