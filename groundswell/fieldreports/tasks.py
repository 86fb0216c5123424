"""The reports' background work (lib/periodic.py): hand new reports to the moderation queue."""

from __future__ import annotations

from datetime import timedelta

from groundswell.lib.periodic import periodic

from . import services

SUBMIT_EVERY = timedelta(seconds=2)


@periodic(every=SUBMIT_EVERY, batch=services.SUBMIT_BATCH)
def submit_field_reports() -> int:
    """Queue the reports the form took in for moderation; the guard reads each at once."""
    return services.submit_waiting()
