"""Create the benchmark's organisation, campaign and petition; print their ids as JSON.

Run with the project's settings (bench/spike.py does it): python bench/fixture.py
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "groundswell.settings")

import django

django.setup()

from django.db import connection

from groundswell.accounts.models import Membership, User
from groundswell.accounts.services import create_organisation
from groundswell.actions.petitions import create_petition
from groundswell.campaigns.services import create_campaign
from groundswell.hub.bench import CREATE_TABLE

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
print(json.dumps({"org": organisation.slug, "campaign": campaign.slug, "petition": petition.pk}))
