from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from groundswell.accounts.models import Membership
from groundswell.timelog import services
from groundswell.timelog.models import TimeEntry


@pytest.fixture
def log(db: None) -> Callable[..., TimeEntry]:
    """`log(member, 45, day=..., activity=..., campaign=...)`: an entry typed by hand."""

    def add(
        member: Membership, minutes: int, *, day: date | None = None, **fields: Any
    ) -> TimeEntry:
        data = {
            "date": day or services.today(),
            "minutes": minutes,
            "activity": "writing",
            "campaign": None,
            "channel": "",
            **fields,
        }
        return services.add_entry(member, data)

    return add
