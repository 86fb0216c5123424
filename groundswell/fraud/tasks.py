"""The fraud app's background work: watching the sources, once a minute."""

from __future__ import annotations

from datetime import timedelta

from groundswell.lib import leases, worklog
from groundswell.lib.periodic import REPORTS_QUEUE, periodic

from . import alerts, trends

WATCH_EVERY = timedelta(minutes=1)


@periodic(every=WATCH_EVERY, batch=trends.SCAN_BATCH, queue_name=REPORTS_QUEUE)
def watch_sources() -> int:
    """Count the signatures recorded since the last turn per source; once they are all
    counted, raise the trends found and email them to those who asked.

    In turns: under a spike the counting returns a full batch and is called again at once,
    without keeping the recount and the emails waiting (lib/periodic.py)."""
    now = leases.now()
    counted = trends.count_new_signatures(now)
    if counted >= trends.SCAN_BATCH:
        return counted  # more to count first
    raised = trends.detect(now)
    worklog.did("counted", counted, "signatures by source")
    worklog.did("raised", len(raised), "trends")
    alerts.tell_subscribers(raised)
    trends.forget_old_counts(now)
    return counted
