from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from groundswell.accounts.models import Membership
from groundswell.volunteers import services
from groundswell.volunteers.models import Need, Shift


def make_need(owner: Membership, **fields: Any) -> Need:
    values = {
        "title": "40 people with vans on Saturday",
        "description": "Moving food parcels from the depot to the halls.",
        "quantity": 40,
        "skills": [{"name": "Van", "wanted": 10}, {"name": "First aid", "wanted": 2}],
        "time_zone": "Europe/London",
        **fields,
    }
    need = services.create_need(owner, values)
    services.set_need_status(owner, need, "open")
    return need


def make_shift(owner: Membership, need: Need, *, slots: int = 2, hours: int = 72) -> Shift:
    start = (timezone.now() + timedelta(hours=hours)).replace(microsecond=0)
    return services.add_shift(
        owner, need, starts_at=start, ends_at=start + timedelta(hours=4),
        place="Alder Street depot", slots=slots,
    )  # fmt: skip


@pytest.fixture
def need(owner: Membership) -> Need:
    return make_need(owner)


@pytest.fixture
def shift(owner: Membership, need: Need) -> Shift:
    return make_shift(owner, need)


def sign_up(client: Client, need: Need, chosen: Shift, query: str = "", **fields: Any) -> Any:
    data = {
        "shift": str(chosen.pk),
        "given_name": "Ravi",
        "email": "ravi@example.net",
        "consent": "on",
        **fields,
    }
    url = reverse("volunteers:sign_up", args=[need.organisation.slug, need.pk])
    return client.post(url + query, data)


def moment(day: str) -> datetime:
    return datetime.fromisoformat(day)
