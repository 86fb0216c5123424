"""The one statistic behind a trending source (docs/fraud.md, "How a source trends")."""

from __future__ import annotations

import math

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


def poisson_tail(observed: int, mean: float) -> float:
    """P(X ≥ observed) for X ~ Poisson(mean), when observed is above the mean; 1.0 when it
    is not (a count at or below what is expected is never surprising, and is not asked).

    Summed from `observed` upwards in log space: the terms shrink by mean/k each step, so
    the sum converges fast and nothing overflows for large counts.
    """
    if observed <= mean:
        return 1.0
    if mean <= 0:
        return 0.0
    term = math.exp(-mean + observed * math.log(mean) - math.lgamma(observed + 1))
    total, k = 0.0, observed
    while term > 0 and (total == 0 or term > total * 1e-15) and k < observed + 100_000:
        total += term
        k += 1
        term *= mean / k
    return min(1.0, total)


def trending(observed: int, window_total: int, share: float) -> tuple[bool, float, float]:
    """(whether it trends, the expected count, the tail probability)."""
    expected = window_total * share
    tail = poisson_tail(observed, expected)
    return observed >= MIN_SIGNATURES and tail < SURPRISE, expected, tail
