from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.events import services
from groundswell.events.models import Event


def make_event(owner: Membership, campaign: Any = None, **fields: Any) -> Event:
    campaign = campaign or testing.make_campaign(owner, title="Clean the Alder", slug="alder")
    start = (timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    data = {
        "campaign": campaign,
        "title": "Litter pick at Alder Mill",
        "description": "Bring gloves; we bring bags and tea.",
        "kind": "physical",
        "venue": "Alder Mill car park, Millbrook",
        "online_url": "",
        "starts_at": start.astimezone(UTC),
        "ends_at": (start + timedelta(hours=3)).astimezone(UTC),
        "time_zone": "Europe/London",
        "capacity": 2,
        **fields,
    }
    return services.create_event(owner, data)


@pytest.fixture
def event(owner: Membership) -> Event:
    return make_event(owner)


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)
