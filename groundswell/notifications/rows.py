"""One email for each delivery row, in steps: what the mail server took is marked sent,
what it put off waits for its next try, and is given up (refused) after the last one.

Campaign updates (actions/updates.py) and event notices (events/notices.py) write a row per
recipient before sending, so a step killed midway resumes without a second copy; both send
a batch of rows through here. Their delivery models share these fields and state values:
`state`, `sent_at`, `attempts`, `retry_at`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, cast

from django.db.models import Model
from django.utils import timezone

from groundswell.lib import leases, worklog

from .bulk import Outgoing, deliver

logger = logging.getLogger("groundswell.notifications")

PENDING, SENT, REFUSED = "pending", "sent", "refused"


def send_rows(
    model: type[Model],
    waiting: Sequence[Any],
    outgoing: list[Outgoing],
    still_ours: Callable[[], None],
    retry: leases.Retry,
    what: str,
) -> int:
    """Send `outgoing` (each keyed by its row's pk, rows from `waiting`); how many were sent.

    `still_ours` raises once the caller's lease is lost: it is asked before the first
    message and after each one the server took, so the connections stop.
    """
    rows = model._default_manager

    def record(done: list[Outgoing]) -> None:
        rows.filter(pk__in=[item.key for item in done], state=PENDING).update(
            state=SENT, sent_at=timezone.now()
        )
        still_ours()  # after the record: what the server took is ours to mark sent

    tries = {row.pk: row.attempts + 1 for row in waiting}

    def put_off(items: list[Outgoing]) -> None:
        moment = leases.now()
        for item in items:
            pk = cast(int, item.key)
            retry_at = retry.next_attempt(tries[pk], moment)
            rows.filter(pk=pk, state=PENDING).update(
                attempts=tries[pk], retry_at=retry_at, state=PENDING if retry_at else REFUSED
            )
            if retry_at is None:
                logger.warning("gave up %s delivery %s after %d tries", what, pk, tries[pk])

    still_ours()
    sent = deliver(outgoing, record, put_off)
    worklog.did("sent", sent, f"{what} emails")
    return sent
