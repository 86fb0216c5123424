"""Our instance actor's signature goes only to the server we addressed, and a blocked server
is not asked, whoever redirects us there."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pytest_django.fixtures import Settings

from groundswell.federation import remote
from groundswell.federation.keys import instance_key
from groundswell.federation.models import BlockedDomain

from .peers import MastoActor, Peer, verify_signed_get


@pytest.fixture
def elsewhere() -> Iterator[Peer]:
    server = Peer()
    yield server
    server.stop()


def _note(server: Peer, path: str) -> dict[str, Any]:
    note = {"id": server.url(path), "type": "Note", "content": "<p>Rivers.</p>"}
    server.documents[path] = note
    return note


def test_a_redirect_to_another_server_arrives_there_unsigned(
    peer: Peer, elsewhere: Peer, db: None
) -> None:
    note = _note(elsewhere, "/notes/1")
    peer.redirects["/notes/1"] = elsewhere.url("/notes/1")

    assert remote.fetch_json(peer.url("/notes/1")) == note

    (asked,) = peer.fetch_headers
    assert verify_signed_get("/notes/1", asked, instance_key().public_key_pem)
    (landed,) = elsewhere.fetch_headers
    assert "signature" not in landed
    # Still asked for ActivityPub, by us.
    assert landed["accept"] == remote.ACCEPT
    assert landed["host"] == elsewhere.host


def test_a_redirect_on_the_same_server_is_signed_for_its_own_path(
    peer: Peer, zoe: MastoActor, db: None
) -> None:
    peer.redirects["/@zoe"] = zoe.uri

    assert remote.fetch_json(peer.url("/@zoe"))["id"] == zoe.uri

    key = instance_key().public_key_pem
    first, second = peer.fetch_headers
    assert verify_signed_get("/@zoe", first, key)
    assert verify_signed_get("/users/zoe", second, key)
    # Each signature covers its own path: the first is no use for the second address.
    assert not verify_signed_get("/users/zoe", first, key)


def test_a_server_that_sends_us_elsewhere_and_back_gets_no_signature_the_second_time(
    peer: Peer, elsewhere: Peer, zoe: MastoActor, db: None
) -> None:
    peer.redirects["/@zoe"] = elsewhere.url("/bounce")
    elsewhere.redirects["/bounce"] = zoe.uri

    remote.fetch_json(peer.url("/@zoe"))

    assert peer.fetched == ["/@zoe", "/users/zoe"]
    assert "signature" in peer.fetch_headers[0]
    assert "signature" not in peer.fetch_headers[1]


def _block_localhost(how: str, settings: Settings) -> None:
    # `localhost` and `127.0.0.1` reach the same test server but are two origins and two
    # domains: blocking the name leaves the address allowed.
    if how == "setting":
        settings.FEDERATION_BLOCKED_DOMAINS = ["localhost"]
    else:
        BlockedDomain.objects.create(domain="localhost", reason="test")


def _port(server: Peer) -> int:
    return int(server.server.server_address[1])


@pytest.mark.parametrize("how", ["setting", "admin"])
def test_a_redirect_to_a_blocked_server_is_refused_before_that_server_is_asked(
    peer: Peer, elsewhere: Peer, settings: Settings, db: None, how: str
) -> None:
    _note(elsewhere, "/notes/1")
    peer.redirects["/notes/1"] = f"http://localhost:{_port(elsewhere)}/notes/1"
    # Unblocked, the redirect is followed (so the refusal below is the block's doing).
    assert remote.fetch_json(peer.url("/notes/1"))["type"] == "Note"
    assert elsewhere.fetched == ["/notes/1"]
    elsewhere.fetched.clear()

    _block_localhost(how, settings)
    with pytest.raises(remote.RemoteError, match="blocked here") as refused:
        remote.fetch_json(peer.url("/notes/1"))

    # Permanent, not a server that is down for a while: nobody retries it.
    assert not isinstance(refused.value, remote.RemoteUnavailable)
    assert elsewhere.fetched == []


def test_a_webfinger_redirect_to_a_blocked_server_is_refused(
    peer: Peer, elsewhere: Peer, settings: Settings, db: None
) -> None:
    settings.FEDERATION_BLOCKED_DOMAINS = ["localhost"]
    peer.redirects["/.well-known/webfinger"] = (
        f"http://localhost:{_port(elsewhere)}/.well-known/webfinger"
    )

    with pytest.raises(remote.RemoteError, match="blocked here"):
        remote.resolve_handle(f"zoe@{peer.host}")

    assert peer.fetched[0].startswith("/.well-known/webfinger?resource=acct")
    assert elsewhere.fetched == []


def test_webfinger_does_not_ask_a_blocked_server_at_all(
    elsewhere: Peer, settings: Settings, db: None
) -> None:
    settings.FEDERATION_BLOCKED_DOMAINS = ["localhost"]

    with pytest.raises(remote.RemoteError, match="blocked here"):
        remote.resolve_handle(f"zoe@localhost:{_port(elsewhere)}")

    assert elsewhere.fetched == []
