"""Part 7 of the issue: watching sources adds no query to the sign request (P1 holds)."""

from __future__ import annotations

import json

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groundswell.actions.models import Petition, SignatureIntake

# What a sign request costs, before and after this app: the burst limit's count and the
# signature's one INSERT into the intake (actions/tests/test_sign_page.py asserts the same).
TWO_STATEMENTS = [
    ["INSERT", "INTO", "ratelimit_count"],
    ["INSERT", "INTO", "actions_signatureintake"],
]


def test_the_sign_form_carries_the_range_in_its_one_insert(
    client: Client, petition: Petition
) -> None:
    url = reverse("actions:sign", args=[petition.organisation.slug, petition.pk])
    client.post(url, {"given_name": "Warm", "email": "w@example.net", "consent": "on"})
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            url,
            {"given_name": "Ana", "email": "ana@example.net", "consent": "on"},
            REMOTE_ADDR="203.0.113.50",
        )
    assert response.status_code == 302
    assert [q["sql"].split()[:3] for q in queries] == TWO_STATEMENTS
    # The range travels inside the INSERT's own payload: no statement of its own.
    row = SignatureIntake.objects.get(email_key="ana@example.net")
    assert row.payload["network"] == "203.0.113.0/24"


def test_the_osdi_helper_also_costs_what_it_cost(client: Client, petition: Petition) -> None:
    url = reverse("api:osdi:record_signature_helper", args=[petition.pk])
    body = json.dumps(
        {"person": {"given_name": "Nia", "email_addresses": [{"address": "nia@example.net"}]}}
    )
    client.post(url, body, content_type="application/json")  # warm the petition cache
    other = body.replace("nia@", "noor@")
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            url, other, content_type="application/json", REMOTE_ADDR="2001:db8:5:6::1"
        )
    assert response.status_code == 200
    assert [q["sql"].split()[:3] for q in queries] == TWO_STATEMENTS
    assert SignatureIntake.objects.get(email_key="noor@example.net").payload["network"] == (
        "2001:db8:5:6::/64"
    )
