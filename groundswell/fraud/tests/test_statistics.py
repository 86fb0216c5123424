"""The decision a source's share and the Poisson tail (lib/statistics.py) drive."""

from __future__ import annotations

import pytest

from groundswell.fraud.statistics import (
    FLOOR_SHARE,
    MIN_SIGNATURES,
    baseline_share,
    trending,
)


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
