"""Bad input at the inbox and WebFinger gets a clear 4xx, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from groundswell.accounts.models import Organisation
from groundswell.federation import documents
from groundswell.federation.models import ReceivedActivity
from groundswell.testing import ClientResponse

from .peers import MastoActor


def _follow(zoe: MastoActor, org: Organisation) -> dict[str, Any]:
    return {
        "id": f"{zoe.uri}#follows/1",
        "type": "Follow",
        "actor": zoe.uri,
        "object": documents.actor_uri(org),
    }


@pytest.fixture(params=["/ap/inbox", "/ap/actors/{pk}/inbox"])
def inbox_path(request: pytest.FixtureRequest, org: Organisation) -> str:
    path: str = request.param
    return path.format(pk=org.pk)


@pytest.mark.parametrize(
    "nested",
    [
        b'{"a":' * 100 + b"1" + b"}" * 100,
        # Deep enough to overflow the JSON parser's recursion, small enough to be read.
        b"[" * 100_000 + b"]" * 100_000,
        b'{"type":"Follow","object":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    ],
    ids=["100 levels", "100000 levels", "100000 levels inside"],
)
def test_deeply_nested_json_is_refused_with_a_400(
    client: Client,
    send: Callable[..., ClientResponse],
    zoe: MastoActor,
    inbox_path: str,
    nested: str,
) -> None:
    for response in (
        client.post(inbox_path, data=nested, content_type="application/activity+json"),
        send(zoe, body=nested, path=inbox_path),
    ):
        assert response.status_code == 400
        assert "nested more than" in response.json()["error"]
    assert not ReceivedActivity.objects.exists()


def test_deep_nesting_inside_a_real_activity_is_refused(
    send: Callable[..., ClientResponse], zoe: MastoActor, org: Organisation, inbox_path: str
) -> None:
    activity = _follow(zoe, org)
    activity["object"] = json.loads("[" * 50 + "]" * 50)
    response = send(zoe, activity, path=inbox_path)
    assert response.status_code == 400
    assert "nested more than" in response.json()["error"]


@pytest.mark.parametrize("where", ["id", "actor", "value", "key"])
def test_a_nul_anywhere_in_an_activity_is_refused_with_a_400(
    send: Callable[..., ClientResponse],
    zoe: MastoActor,
    org: Organisation,
    inbox_path: str,
    where: str,
) -> None:
    activity = _follow(zoe, org)
    if where in ("id", "actor"):
        activity[where] = activity[where] + "\x00"
    elif where == "value":
        activity["summary"] = "hello\x00world"
    else:
        activity["odd\x00key"] = "x"
    response = send(zoe, activity, path=inbox_path)
    assert response.status_code == 400
    assert not ReceivedActivity.objects.exists()


def test_a_nul_in_the_signing_key_id_is_refused_with_a_4xx(
    client: Client, zoe: MastoActor, org: Organisation, inbox_path: str
) -> None:
    from .peers import mastodon_sign

    body = json.dumps(_follow(zoe, org)).encode()
    headers = mastodon_sign(zoe.key, zoe.key_id + "\x00", documents.site_url() + inbox_path, body)
    content_type = headers.pop("Content-Type")
    response = client.post(inbox_path, data=body, content_type=content_type, headers=headers)
    assert 400 <= response.status_code < 500
    assert not ReceivedActivity.objects.exists()


@pytest.mark.parametrize(
    "query",
    ["acct:%00@testserver", "acct:alices%00@testserver", "%00", "http://testserver/o/%00"],
)
def test_a_nul_in_the_webfinger_resource_is_a_400(
    client: Client, org: Organisation, query: str
) -> None:
    response = client.get(f"/.well-known/webfinger?resource={query}")
    # Refused by the site-wide check (lib/badinput.py) before the view, which refuses it too.
    assert response.status_code == 400
    assert b"NUL" in response.content
