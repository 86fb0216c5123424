"""A fictional volunteer need with shifts for the demo (hub/demo.py calls this).

Some people have places and one is on the waitlist, written as the worker would have left
them, so the need's page shows what is still missing and the coordinator's list has names.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone

from groundswell.lib.emails import normalise_email
from groundswell.supporters.services import find_or_create_supporter

from . import services
from .models import Signup, SignupState

PEOPLE = [
    ("Ada", "Brook", ["Van"]), ("Bea", "Castell", ["First aid"]), ("Cyd", "Dunmore", ["Van"]),
    ("Dov", "Eskew", []), ("Eli", "Fenwick", ["Hindi speaker"]), ("Fay", "Garrow", []),
]  # fmt: skip


def seed_volunteers(owner: Any, campaign: Any) -> None:
    need = services.create_need(
        owner,
        {
            "title": "40 people with vans on Saturday",
            "description": (
                "The winter parcels arrive at the depot on Saturday morning. We need drivers "
                "with vans to take them to the five community halls, and people to carry."
            ),
            "quantity": 40,
            "skills": [
                {"name": "Van", "wanted": 10},
                {"name": "First aid", "wanted": 2},
                {"name": "Hindi speaker", "wanted": 2},
            ],
            "time_zone": "Europe/London",
            "campaign": campaign,
        },
    )
    services.set_need_status(owner, need, "open")
    zone = need.zone
    today = timezone.localtime(timezone.now(), zone).date()
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    shifts = []
    for starts, ends, place, slots in (
        (time(8), time(12), "Alder Street depot (fictional)", 4),
        (time(12), time(16), "Alder Street depot (fictional)", 20),
        (time(9), time(13), "Riverside community hall (fictional)", 16),
    ):
        shifts.append(
            services.add_shift(
                owner,
                need,
                starts_at=datetime.combine(saturday, starts, tzinfo=zone),
                ends_at=datetime.combine(saturday, ends, tzinfo=zone),
                place=place,
                slots=slots,
            )
        )
    now = timezone.now()
    for index, (given, family, skills) in enumerate(PEOPLE):
        email = f"{given.lower()}.{family.lower()}@example.net"
        shift = shifts[0] if index < 5 else shifts[1]
        supporter = find_or_create_supporter(
            owner.organisation, email=email, email_key=normalise_email(email),
            given_name=given, family_name=family,
        )  # fmt: skip
        placed = index < 4 or index == 5
        Signup.objects.create(
            organisation=owner.organisation, need=need, shift=shift, supporter=supporter,
            email=email, email_key=normalise_email(email), given_name=given,
            family_name=family, skills=skills, language="en", wording=need.wording,
            state=SignupState.CONFIRMED if placed else SignupState.WAITLISTED,
            referrer_data={"source": "whatsapp" if index % 2 else "web"},
            created_at=now - timedelta(hours=index), decided_at=now - timedelta(hours=index),
            confirmed_at=now - timedelta(hours=index) if placed else None,
        )  # fmt: skip
