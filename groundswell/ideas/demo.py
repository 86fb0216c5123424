"""A fictional idea challenge for the demo (hub/demo.py calls this): a question, a few ideas
shown as a moderator would have approved them, confirmed votes, a pledge and a status.

The rows are written as confirmed already: the demo sends no confirmation emails for people
who do not exist.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from groundswell.lib.emails import normalise_email
from groundswell.moderation import services as moderation
from groundswell.referrals.models import new_token
from groundswell.supporters.services import find_or_create_supporter

from . import counts, moderated, services
from .models import Confirmation, Idea, IdeaPledge, Vote, VoteState

IDEAS = [
    ("A fridge swap shelf", "A shared fridge where neighbours leave food they will not eat."),
    ("Cooking evenings", "Monthly cooking evenings where people learn cheap, warm meals."),
    ("Delivery by bike", "Volunteers on bikes bring parcels to people who cannot come."),
]
PEOPLE = ["Gil", "Hana", "Ines", "Jo", "Kit"]


def _person(organisation: Any, name: str) -> Any:
    email = f"{name.lower()}.ideas@example.net"
    return find_or_create_supporter(
        organisation, email=email, email_key=normalise_email(email), given_name=name
    )


def seed_ideas(owner: Any, campaign: Any) -> None:
    now = timezone.now()
    organisation = owner.organisation
    challenge = services.save_challenge(
        owner,
        None,
        {
            "campaign": campaign,
            "question": "How could the pantry reach more neighbours this winter? (demo)",
            "description": "A fictional challenge made up for the demo: give an idea, vote for "
            "one, or pledge an hour if it happens.",
            "opens_at": now - timedelta(days=7),
            "closes_at": now + timedelta(days=60),
            "currency": "GBP",
        },
    )
    people = [_person(organisation, name) for name in PEOPLE]
    ideas = [
        Idea.objects.create(
            organisation=organisation,
            challenge=challenge,
            title=title,
            body=body,
            supporter=author,
            given_name=author.given_name,
            email=author.email,
            email_key=author.email_key,
            language="en",
            state=Confirmation.CONFIRMED,
            confirmed_at=now,
        )
        for (title, body), author in zip(IDEAS, people, strict=False)
    ]
    moderated.queue_waiting()
    for idea in ideas:
        idea.refresh_from_db()
        assert idea.moderation is not None
        moderation.approve(owner, idea.moderation)
    Vote.objects.bulk_create(
        Vote(
            idea=idea,
            supporter=person,
            state=VoteState.CONFIRMED,
            share_token=new_token(),
            language="en",
            referrer_data={"source": "web"},
            confirmed_at=now,
        )
        for index, person in enumerate(people)
        for idea in ideas[: 3 - index % 3]
    )
    kit = people[-1]
    IdeaPledge.objects.create(
        organisation=organisation, idea=ideas[2], supporter=kit, given_name=kit.given_name,
        email=kit.email, email_key=kit.email_key, language="en", hours=2,
        state=Confirmation.CONFIRMED, confirmed_at=now,
    )  # fmt: skip
    services.set_status(
        owner, ideas[0], "under_review", "The committee looks at the shelf space in January."
    )
    for idea in ideas:
        counts.recount(idea.pk)
