"""The figures behind a trending source (docs/fraud.md, "How a source trends"); the
Poisson tail itself is lib/statistics.py, shared with listening's spikes."""

from __future__ import annotations

from groundswell.lib.statistics import surprising

# A source never seen before (or seen less) is given this share of the organisation's
# signatures: a single /24 or a small domain rarely brings more than one in two hundred.
FLOOR_SHARE = 0.005
# Fewer signatures than this in the window never trend, however unusual: too few to act on.
MIN_SIGNATURES = 10
# A source trends when this many signatures or more would happen by chance less often
# than this (about once a year for a source checked every minute).
SURPRISE = 1e-6


def baseline_share(source_before: int, total_before: int) -> float:
    """The source's share of the organisation's signatures before the window, floored."""
    share = source_before / total_before if total_before > 0 else 0.0
    return max(share, FLOOR_SHARE)


def trending(observed: int, window_total: int, share: float) -> tuple[bool, float, float]:
    """(whether it trends, the expected count, the tail probability)."""
    expected = window_total * share
    found, tail = surprising(observed, expected, minimum=MIN_SIGNATURES, threshold=SURPRISE)
    return found, expected, tail
