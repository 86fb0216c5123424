from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from groundswell.listening import fetching

from .feedserver import FeedServer


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _no_gap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test server is 127.0.0.1: one host. Tests of the gap itself set it back."""
    monkeypatch.setattr(fetching, "MIN_GAP", timedelta(0))
