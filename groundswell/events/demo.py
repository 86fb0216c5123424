"""A fictional event with answers for the demo (hub/demo.py calls this): three places,
all taken, and one person on the waiting list."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

from django.utils import timezone

from . import decisions, intake, services

GUESTS = [("Ines", "Arbour"), ("Jon", "Balfour"), ("Kit", "Corran"), ("Lou", "Dallow")]


def seed_events(owner: Any, campaign: Any) -> None:
    soon = (timezone.now() + timedelta(days=5)).replace(hour=9, minute=0, second=0, microsecond=0)
    event = services.create_event(
        owner,
        {
            "campaign": campaign,
            "title": "Draught-proofing afternoon at the Pantry",
            "description": (
                "Learn to fit draught excluders and window film with our volunteers, then "
                "take a kit home. Tea and biscuits provided. (A fictional demo event.)"
            ),
            "kind": "physical",
            "venue": "The Fernley Community Pantry hall",
            "online_url": "",
            "starts_at": soon.astimezone(UTC),
            "ends_at": (soon + timedelta(hours=3)).astimezone(UTC),
            "time_zone": "Europe/London",
            "capacity": 3,
        },
    )
    for given, family in GUESTS:
        intake.take(
            event,
            intake.RsvpRequest(
                email=f"{given.lower()}.{family.lower()}@example.org",
                given_name=given,
                family_name=family,
                language="en",
                referrer_data={"source": "web"},
            ),
        )
    # Decided now, so the demo opens with places and a waiting list; their emails are owed
    # and the demo's worker sends them to its outbox (no mail server is asked here).
    decisions.decide_waiting()
