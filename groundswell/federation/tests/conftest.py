from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.federation import documents
from groundswell.federation.models import RemoteActor
from groundswell.stories.models import Story
from groundswell.stories.services import change_state
from groundswell.testing import ClientResponse

from .peers import MastoActor, Peer


@pytest.fixture
def peer() -> Iterator[Peer]:
    server = Peer()
    yield server
    server.stop()


@pytest.fixture
def zoe(peer: Peer) -> MastoActor:
    return peer.add_actor("zoe")


@pytest.fixture
def remote_zoe(zoe: MastoActor) -> RemoteActor:
    """Zoe as already fetched and stored, for tests that start after the first contact."""
    return RemoteActor.objects.create(
        uri=zoe.uri,
        inbox=zoe.inbox,
        shared_inbox=zoe.peer.url("/inbox"),
        username="zoe",
        name="Zoe",
        domain="127.0.0.1",
        fetched_at=timezone.now(),
    )


@pytest.fixture
def story(owner: Membership) -> Story:
    made = testing.make_story(owner)
    return change_state(owner, made, "publish")


@pytest.fixture
def send(client: Client) -> Callable[..., ClientResponse]:
    """POST an activity to one of our inboxes, signed by `actor` exactly as Mastodon signs."""

    def post(
        actor: MastoActor,
        activity: dict[str, Any] | None = None,
        *,
        path: str = "/ap/inbox",
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        **sign_options: Any,
    ) -> ClientResponse:
        raw = body if body is not None else json.dumps(activity).encode()
        signed = actor.sign(documents.site_url() + path, raw, **sign_options)
        signed.update(headers or {})
        content_type = signed.pop("Content-Type")
        return client.post(path, data=raw, content_type=content_type, headers=signed)

    return post
