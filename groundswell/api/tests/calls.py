"""Small helpers the API tests share: OSDI requests as a client would send them."""

import json
from typing import Any

from django.test import Client

from groundswell.actions.models import Petition
from groundswell.testing import ClientResponse


def helper_url(petition: Petition) -> str:
    return f"/api/osdi/v1/petitions/{petition.pk}/record_signature_helper"


def post_helper(
    client: Client,
    petition: Petition,
    body: Any,
    *,
    token: str | None = None,
    **extra: Any,
) -> ClientResponse:
    """POST a helper body: a dict or list is sent as JSON, str and bytes as they are."""
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    headers = {"OSDI-API-Token": token} if token else {}
    return client.generic(
        "POST",
        helper_url(petition),
        body,
        content_type=extra.pop("content_type", "application/json"),
        headers=headers,
        **extra,
    )


def recorded() -> None:
    """What the worker does with signatures the helper took in (as the web form's): record
    them, then send their emails."""
    from groundswell.actions import tasks

    tasks.process_intake.call()
    tasks.send_confirmations.call()


def person(email: str = "rosa.quint@example.net", **fields: Any) -> dict[str, Any]:
    """A small OSDI helper body; `fields` go into the person."""
    return {
        "person": {
            "given_name": "Rosa",
            "family_name": "Quint",
            "email_addresses": [{"address": email, "primary": True}],
            **fields,
        }
    }


def get(client: Client, path: str, token: str | None = None) -> ClientResponse:
    headers = {"OSDI-API-Token": token} if token else {}
    return client.get(path, headers=headers)
