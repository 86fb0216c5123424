"""The one test of "far more than its own history explains", shared by fraud's trending
sources (docs/fraud.md) and listening's spikes (docs/listening.md).

A count observed in a window is compared with the count expected from a baseline: the
upper tail of a Poisson distribution with that mean. Each caller chooses its expectation,
its minimum count and its threshold; the arithmetic, and how a baseline leaves out the
windows that were already surprising, live here once.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime


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


def surprising(
    observed: int, expected: float, *, minimum: int, threshold: float
) -> tuple[bool, float]:
    """(whether `observed` is too many to be chance, the tail probability): at least
    `minimum`, and that many or more would happen less often than `threshold`."""
    tail = poisson_tail(observed, expected)
    return observed >= minimum and tail < threshold, tail


def split_baseline(
    history: Iterable[tuple[datetime, int]], left_out: Iterable[tuple[datetime, datetime]]
) -> tuple[int, int]:
    """(the counts of `history`'s buckets outside every `left_out` window, those inside).

    Windows that already raised an alert are left out of the baseline, so that something
    that goes on for days never becomes its own normal."""
    windows = list(left_out)
    kept = skipped = 0
    for bucket, count in history:
        if any(begin <= bucket < end for begin, end in windows):
            skipped += count
        else:
            kept += count
    return kept, skipped
