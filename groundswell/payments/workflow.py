"""A donation's states and the moves between them, written down once (docs/workflows.md).

    new ─claimed by the worker─▶ opening ─checkout made─▶ open ─▶ paid ─▶ refunded
                                    │                        │      (monthly: active ─▶ cancelled)
                                    └─▶ unavailable          ├─▶ failed
                                                             └─▶ expired

Webhooks may arrive in any order and late: a payment that arrives after Stripe said the
session expired or an earlier attempt failed still counts, so `paid` and `active` are
reachable from `failed` and `expired` too.
"""

from __future__ import annotations

from .models import DonationState as S

WAITING = frozenset({S.NEW, S.OPENING, S.OPEN})
NOT_PAID = WAITING | {S.FAILED, S.EXPIRED}

# effect → (states it applies in, the state it leads to)
MOVES: dict[str, tuple[frozenset[str], str]] = {
    "paid": (NOT_PAID, S.PAID),
    "started": (NOT_PAID, S.ACTIVE),
    "failed": (WAITING, S.FAILED),
    "expired": (WAITING, S.EXPIRED),
    "refunded": (frozenset({S.PAID}), S.REFUNDED),
    "cancelled": (WAITING | {S.ACTIVE}, S.CANCELLED),
}
# Where a donor's waiting page stops waiting and shows the outcome.
SETTLED = frozenset({S.PAID, S.ACTIVE, S.REFUNDED, S.CANCELLED})
