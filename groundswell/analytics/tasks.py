"""The analytics app's background work: keeping the roll-ups (rollup.py). Both periodic."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from groundswell.lib import worklog
from groundswell.lib.periodic import REPORTS_QUEUE, periodic

from . import rollup

PENDING_EVERY = timedelta(seconds=10)
ROWS_EVERY = timedelta(minutes=5)


@periodic(every=PENDING_EVERY, batch=rollup.PENDING_BATCH, queue_name=REPORTS_QUEUE)
def roll_up_counts() -> int:
    """Add the counts the web processes wrote out (page views, share clicks) to the roll-ups."""
    taken = rollup.roll_up_pending()
    worklog.did("rolled up", taken, "pending counts")
    return taken


@periodic(every=ROWS_EVERY, queue_name=REPORTS_QUEUE)
def roll_up_row_kinds() -> None:
    """Recount today's and yesterday's signatures, confirmations, followers… from their rows,
    and the past days an invalidation or its undo changed since the last run."""
    now = timezone.now()
    first, after = rollup.window(rollup.today())
    worklog.did("counted", rollup.roll_up_rows(first, after), "events from rows")
    worklog.did("counted", rollup.restate(now, first), "events again on past days")
