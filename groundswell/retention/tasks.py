from __future__ import annotations

from datetime import timedelta

from groundswell.lib.periodic import periodic

from . import services

# Daily is as fine as the schedule is: periods are counted in days.
EVERY = timedelta(days=1)


@periodic(every=EVERY)
def apply_retention() -> None:
    """Apply every organisation's retention schedule and the site-wide periods."""
    services.run_all()
