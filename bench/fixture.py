"""Create the benchmark's organisation, campaign and petition, and for P8 one event (places
for everyone), one volunteer need (a shift of many slots beside a small one that fills) and
one open idea challenge with shown ideas; print their ids as JSON.

Run with the project's settings (bench/spike.py does it): python bench/fixture.py
Everything is made through the apps' own service functions, as staff would make it.
"""

import json
import os
import sys
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "groundswell.settings")

import django

django.setup()

from django.db import connection
from django.utils import timezone

from groundswell.accounts.models import Membership, User
from groundswell.accounts.services import create_organisation
from groundswell.actions.petitions import create_petition
from groundswell.campaigns.services import create_campaign
from groundswell.events.services import create_event
from groundswell.hub.bench import CREATE_TABLE
from groundswell.ideas import moderated
from groundswell.ideas import services as ideas
from groundswell.ideas.models import Idea
from groundswell.moderation import services as moderation
from groundswell.volunteers import services as volunteers

SKILLS = [{"name": "Van", "wanted": 50}, {"name": "First aid", "wanted": 10}]
IDEAS = [
    "Bench idea: a tool library",
    "Bench idea: repair cafe evenings",
    "Bench idea: a seed swap",
    "Bench idea: street play days",
    "Bench idea: a shared allotment",
    "Bench idea: winter coat rail",
]

owner = User.objects.create_user("bench-owner@example.org", None, name="Bench Owner")
organisation = create_organisation(name="Bench Org", slug="bench", owner=owner, approved=True)
membership = Membership.objects.get(user=owner, organisation=organisation)
campaign = create_campaign(membership, {"title": "Bench", "slug": "bench", "status": "live"})
petition = create_petition(
    membership,
    {"campaign": campaign, "title": "Bench petition", "ask": "Sign.", "target_name": "T"},
)
with connection.cursor() as cursor:
    cursor.execute(CREATE_TABLE)

starts = (timezone.now() + timedelta(days=20)).replace(microsecond=0)
event = create_event(
    membership,
    {
        "campaign": campaign,
        "title": "Bench rally",
        "description": "A fictional rally for the benchmark.",
        "kind": "physical",
        "venue": "Bench Square (fictional)",
        "online_url": "",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=3),
        "time_zone": "Europe/London",
        "capacity": 1_000_000,  # every RSVP gets a place: the worker's usual path
    },
)

need = volunteers.create_need(
    membership,
    {
        "title": "Bench helpers",
        "description": "A fictional need for the benchmark.",
        "quantity": 100_000,
        "skills": SKILLS,
        "time_zone": "Europe/London",
        "campaign": campaign,
    },
)
volunteers.set_need_status(membership, need, "open")
shifts = [
    volunteers.add_shift(
        membership,
        need,
        starts_at=starts,
        ends_at=starts + timedelta(hours=4),
        place="Bench depot (fictional)",
        slots=slots,
    )
    for slots in (1_000_000, 20)  # the big shift, and a small one that fills and waitlists
]

now = timezone.now()
challenge = ideas.save_challenge(
    membership,
    None,
    {
        "campaign": campaign,
        "question": "What should the bench neighbourhood try next? (fictional)",
        "description": "A fictional challenge for the benchmark.",
        "opens_at": now - timedelta(days=1),
        "closes_at": now + timedelta(days=60),
        "currency": "GBP",
    },
)
idea_ids = []
for number, title in enumerate(IDEAS):
    author = ideas.Person(
        email=f"bench.author{number}@example.org", given_name="Author", language="en"
    )
    idea = ideas.submit_idea(challenge, author, title=title, body="Fictional, for the benchmark.")
    ideas.confirm("idea", idea.pk)
    idea_ids.append(idea.pk)
moderated.queue_waiting()
for idea in Idea.objects.filter(pk__in=idea_ids).select_related("moderation"):
    assert idea.moderation is not None
    moderation.approve(membership, idea.moderation)

print(
    json.dumps({
        "org": organisation.slug, "campaign": campaign.slug, "petition": petition.pk,
        "event": event.pk, "need": need.pk, "shifts": [s.pk for s in shifts],
        "skills": [s["name"] for s in SKILLS], "challenge": challenge.pk, "ideas": idea_ids,
    })
)  # fmt: skip
