"""The referrals app's background work: the stored evangelist ranking (lib/periodic.py)."""

from __future__ import annotations

import logging
from datetime import timedelta

from groundswell.accounts.models import Organisation
from groundswell.lib.periodic import REPORTS_QUEUE, periodic

from . import services

logger = logging.getLogger("groundswell.referrals")

# Ranking ten million signatures takes seconds to a minute (docs/performance.md, P4): on the
# reports queue, whose worker process runs beside the one recording signatures, and often
# enough for a page that says when it was computed.
RANK_EVERY = timedelta(minutes=10)


@periodic(every=RANK_EVERY, queue_name=REPORTS_QUEUE)
def rank_evangelists() -> None:
    """Recompute and store every organisation's evangelist ranking (and each campaign's).

    One organisation that fails does not keep the others' rankings from being refreshed; the
    run then fails as a whole, so the failure is logged and backs off like any other.
    """
    failed = 0
    for organisation_id in Organisation.objects.order_by("id").values_list("id", flat=True):
        try:
            services.refresh_rankings(organisation_id)
        except Exception:
            failed += 1
            logger.exception("Ranking organisation %s failed.", organisation_id)
    if failed:
        raise RuntimeError(f"{failed} organisations could not be ranked.")
