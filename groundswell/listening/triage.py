"""The triage states of a signal and the moves between them, written down once
(docs/workflows.md, "Listening"):

    new ──assign──▶ assigned ──reply, or "answered"──▶ answered ──▶ done
     │  ◀─unassign─┘   │                                  │
     ├──────────────────┴──▶ ignored ──reopen──▶ new       └─(more to do)─▶ assigned
     └──▶ answered / done directly          done ──reopen──▶ new

A signal from a muted source arrives ignored.
"""

from __future__ import annotations

from .models import SignalState

MOVES: dict[str, frozenset[str]] = {
    SignalState.NEW: frozenset(
        {SignalState.ASSIGNED, SignalState.ANSWERED, SignalState.DONE, SignalState.IGNORED}
    ),
    SignalState.ASSIGNED: frozenset(
        {SignalState.NEW, SignalState.ANSWERED, SignalState.DONE, SignalState.IGNORED}
    ),
    SignalState.ANSWERED: frozenset({SignalState.ASSIGNED, SignalState.DONE}),
    SignalState.DONE: frozenset({SignalState.NEW}),
    SignalState.IGNORED: frozenset({SignalState.NEW}),
}

# What the board shows unless asked for another state: what still needs someone.
OPEN = (SignalState.NEW, SignalState.ASSIGNED)


def may_move(current: str, target: str) -> bool:
    return target in MOVES.get(current, frozenset())
