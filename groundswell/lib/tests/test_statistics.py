"""The Poisson upper tail against sums written out by hand, and the baseline that leaves
out the windows already raised."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from groundswell.lib.statistics import poisson_tail, split_baseline, surprising


def direct_tail(observed: int, mean: float) -> float:
    """1 − P(X < observed), term by term: fine for the small numbers used here."""
    below = sum(math.exp(-mean) * mean**k / math.factorial(k) for k in range(observed))
    return 1 - below


@pytest.mark.parametrize(("observed", "mean"), [(3, 1.0), (5, 2.5), (12, 4.0), (30, 18.0)])
def test_the_tail_matches_the_sum_of_the_terms(observed: int, mean: float) -> None:
    assert poisson_tail(observed, mean) == pytest.approx(direct_tail(observed, mean), rel=1e-9)


def test_the_tail_of_a_far_count_is_tiny_and_does_not_overflow() -> None:
    # 10 from a source expected to bring 0.05: e^-0.05 × 0.05^10 / 10! and a little more.
    expected = math.exp(-0.05) * 0.05**10 / math.factorial(10)
    assert poisson_tail(10, 0.05) == pytest.approx(expected, rel=1e-3)
    assert 0 < poisson_tail(20_000, 10_000.0) < 1e-300 or poisson_tail(20_000, 10_000.0) == 0
    assert poisson_tail(10_100, 10_000.0) > 0.1  # one standard deviation up


def test_a_count_at_or_below_its_expectation_is_never_surprising() -> None:
    assert poisson_tail(4, 4.0) == 1.0
    assert poisson_tail(0, 0.0) == 1.0


def test_surprising_needs_the_minimum_and_a_small_tail() -> None:
    assert surprising(30, 0.5, minimum=10, threshold=1e-6)[0]
    assert not surprising(9, 0.01, minimum=10, threshold=1e-6)[0]
    assert not surprising(12, 10.0, minimum=10, threshold=1e-6)[0]


def test_the_baseline_leaves_out_the_windows_already_raised() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    hour = timedelta(hours=1)
    history = [(start, 3), (start + hour, 50), (start + 2 * hour, 4)]
    assert split_baseline(history, [(start + hour, start + 2 * hour)]) == (7, 50)
    assert split_baseline(history, []) == (57, 0)
