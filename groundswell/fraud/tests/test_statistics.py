"""The Poisson upper tail against sums written out by hand, and the decision it drives."""

from __future__ import annotations

import math

import pytest

from groundswell.fraud.statistics import (
    FLOOR_SHARE,
    MIN_SIGNATURES,
    baseline_share,
    poisson_tail,
    trending,
)


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


def test_a_source_never_seen_gets_the_floor_share() -> None:
    assert baseline_share(0, 0) == FLOOR_SHARE
    assert baseline_share(0, 10_000) == FLOOR_SHARE
    assert baseline_share(400, 1000) == 0.4


def test_a_big_domain_keeping_its_share_does_not_trend_and_a_new_network_does() -> None:
    assert not trending(45, 100, 0.4)[0]  # gmail.com-like: 40 expected, 45 seen
    found, expected, tail = trending(30, 100, FLOOR_SHARE)
    assert found and expected == pytest.approx(0.5) and tail < 1e-30
    # However unusual, too few to act on.
    assert not trending(MIN_SIGNATURES - 1, MIN_SIGNATURES - 1, FLOOR_SHARE)[0]
