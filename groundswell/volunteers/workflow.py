"""The states of a need, a shift's places and a volunteer's sign-up, written down once.

docs/workflows.md draws them. A sign-up moves only along MOVES, each move a conditional
UPDATE on the state it leaves, so two workers (or a worker and a person cancelling) never
both make the same move.
"""

from __future__ import annotations

from .models import NeedStatus, SignupState

NEED_MOVES: dict[str, frozenset[str]] = {
    NeedStatus.DRAFT: frozenset({NeedStatus.OPEN}),
    NeedStatus.OPEN: frozenset({NeedStatus.CLOSED}),
    NeedStatus.CLOSED: frozenset({NeedStatus.OPEN}),
}

MOVES: dict[str, frozenset[str]] = {
    # The worker decides: a place while the shift has one, else the waitlist.
    SignupState.NEW: frozenset(
        {SignupState.CONFIRMED, SignupState.WAITLISTED, SignupState.CANCELLED}
    ),
    # A confirmed place freed (cancelled, erased) moves the first on the waitlist up.
    SignupState.WAITLISTED: frozenset({SignupState.CONFIRMED, SignupState.CANCELLED}),
    SignupState.CONFIRMED: frozenset({SignupState.CANCELLED}),
    # Signing up again for the same shift with the same address starts afresh.
    SignupState.CANCELLED: frozenset({SignupState.NEW}),
}

# A sign-up the person may still cancel from their page.
CANCELLABLE = (SignupState.NEW, SignupState.CONFIRMED, SignupState.WAITLISTED)
