from __future__ import annotations

from datetime import timedelta

from groundswell.lib.periodic import REPORTS_QUEUE, periodic

from . import services

# Daily is as fine as the schedule is: periods are counted in days. A run goes through every
# kind's table, so on the reports queue, beside the worker recording signatures.
EVERY = timedelta(days=1)


@periodic(every=EVERY, queue_name=REPORTS_QUEUE)
def apply_retention() -> None:
    """Apply every organisation's retention schedule and the site-wide periods."""
    services.run_all()
