"""Other servers' actors and keys: only a server may describe its own actors."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

from groundswell.accounts.models import Organisation
from groundswell.federation import documents, remote
from groundswell.federation.keys import instance_key
from groundswell.federation.models import Follower, ReceivedActivity, RemoteActor
from groundswell.lib import http
from groundswell.testing import ClientResponse

from .peers import MastoActor, Peer, _key, mastodon_sign, public_pem, verify_signed_get
from .test_inbox import follow


@pytest.fixture
def evil_peer() -> Iterator[Peer]:
    server = Peer()
    yield server
    server.stop()


def post_signed(
    client: Client,
    key: rsa.RSAPrivateKey,
    key_id: str,
    activity: dict[str, Any],
    path: str = "/ap/inbox",
) -> ClientResponse:
    body = json.dumps(activity).encode()
    headers = mastodon_sign(key, key_id, documents.site_url() + path, body)
    content_type = headers.pop("Content-Type")
    return client.post(path, data=body, content_type=content_type, headers=headers)


def test_a_server_cannot_hijack_an_actor_of_another_server(
    client: Client,
    send: Callable[..., ClientResponse],
    zoe: MastoActor,
    org: Organisation,
    evil_peer: Peer,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    assert send(zoe, follow(zoe, org)).status_code == 202  # zoe is known, with her real key
    evil_key = _key(3)
    # evil.example serves a document claiming to be zoe, with a key id on zoe's server.
    evil_peer.documents["/users/mal"] = {
        "id": zoe.uri,
        "type": "Person",
        "inbox": evil_peer.url("/users/mal/inbox"),
        "publicKey": {"id": zoe.key_id, "owner": zoe.uri, "publicKeyPem": public_pem(evil_key)},
    }
    impostor = {
        "id": f"{zoe.uri}#follows/2",
        "type": "Follow",
        "actor": zoe.uri,
        "object": documents.actor_uri(org),
    }
    first = post_signed(client, evil_key, evil_peer.url("/users/mal#main-key"), impostor)
    # The key was unknown: taken for the worker, which fetched it and threw the activity away.
    assert first.status_code == 202
    assert ReceivedActivity.objects.get(activity_id=impostor["id"]).state == "discarded"
    cached = RemoteActor.objects.get(uri=zoe.uri)
    assert cached.inbox == zoe.inbox
    assert cached.public_key_pem == public_pem(zoe.key)
    # The second step of the attack: sign as zoe's key id with the evil key.
    with django_capture_on_commit_callbacks(execute=True):
        second = post_signed(client, evil_key, zoe.key_id, impostor)
    assert second.status_code == 401
    # Only the first, discarded copy is here: the refused second one stored nothing.
    assert list(
        ReceivedActivity.objects.filter(activity_id=impostor["id"]).values_list("state", flat=True)
    ) == ["discarded"]
    assert evil_peer.received == []
    assert Follower.objects.get().follow_id == f"{zoe.uri}#follows/1"


def test_a_key_document_must_name_an_owner_on_its_own_server(
    client: Client, zoe: MastoActor, org: Organisation, evil_peer: Peer
) -> None:
    evil_key = _key(3)
    evil_peer.documents["/keys/1"] = {
        "id": evil_peer.url("/keys/1"),
        "owner": zoe.uri,
        "publicKeyPem": public_pem(evil_key),
    }
    response = post_signed(client, evil_key, evil_peer.url("/keys/1"), follow(zoe, org))
    assert response.status_code == 202  # the key was unknown: the worker decides
    found = ReceivedActivity.objects.get()
    assert (found.state, found.error) == (
        "discarded",
        "the signing key could not be fetched: the key document names no owner on its own server",
    )
    assert not RemoteActor.objects.exists() and not Follower.objects.exists()


def test_a_separate_key_document_on_the_owners_server_is_followed_to_its_owner(
    client: Client, peer: Peer, org: Organisation
) -> None:
    zed = peer.add_actor("zed", key_index=1)
    key_id = peer.url("/keys/zed")
    zed.document["publicKey"]["id"] = key_id
    peer.documents["/keys/zed"] = {
        "id": key_id,
        "owner": zed.uri,
        "publicKeyPem": public_pem(zed.key),
    }
    assert post_signed(client, zed.key, key_id, follow(zed, org)).status_code == 202
    assert RemoteActor.objects.get(uri=zed.uri).key_id == key_id


def test_an_actor_document_must_describe_the_address_it_came_from(
    zoe: MastoActor, evil_peer: Peer, db: None
) -> None:
    evil_peer.documents["/users/zoe"] = {**zoe.document}  # a copy, served from elsewhere
    with pytest.raises(remote.RemoteError):
        remote.fetch_actor(evil_peer.url("/users/zoe"))
    with pytest.raises(remote.RemoteError):
        remote.actor_for_key(evil_peer.url("/users/zoe#main-key"))
    assert not RemoteActor.objects.exists()


def test_malformed_addresses_have_no_domain_and_are_not_addresses() -> None:
    assert remote.domain_of("https://[x") == ""
    assert not remote.is_address("https://[x")
    assert not remote.is_address("https://example.org:99999/")
    assert not remote.is_address("javascript:alert(1)")
    assert not remote.is_address("https://" + "a" * 300 + ".example/u")
    assert remote.is_address("https://example.org/users/zoe")


def test_a_malformed_shared_inbox_is_dropped_and_a_malformed_inbox_refused(
    zoe: MastoActor, db: None
) -> None:
    zoe.document["endpoints"] = {"sharedInbox": "https://[x"}
    assert remote.fetch_actor(zoe.uri).shared_inbox == ""
    zoe.document["inbox"] = "https://[x"
    with pytest.raises(remote.RemoteError):
        remote.fetch_actor(zoe.uri)


def test_a_profile_link_that_is_not_http_is_not_kept(zoe: MastoActor, db: None) -> None:
    zoe.document["url"] = "javascript:alert(1)"
    assert remote.fetch_actor(zoe.uri).url == ""
    zoe.document["url"] = [{"type": "Link", "href": zoe.peer.url("/@zoe")}]
    assert remote.fetch_actor(zoe.uri).url == zoe.peer.url("/@zoe")


def test_values_too_long_for_our_columns_are_refused_before_anything_is_written(
    zoe: MastoActor, db: None
) -> None:
    zoe.document["publicKey"]["id"] = zoe.uri + "#" + "k" * 600
    with pytest.raises(remote.RemoteError):
        remote.fetch_actor(zoe.uri)
    assert not RemoteActor.objects.exists()
    zoe.document["publicKey"]["id"] = zoe.key_id
    zoe.document["inbox"] = zoe.uri + "/" + "i" * 600
    with pytest.raises(remote.RemoteError):
        remote.fetch_actor(zoe.uri)
    assert not RemoteActor.objects.exists()


def test_a_bad_signature_with_a_known_key_fetches_the_key_at_most_once_a_minute(
    send: Callable[..., ClientResponse], zoe: MastoActor, peer: Peer, org: Organisation
) -> None:
    assert send(zoe, follow(zoe, org)).status_code == 202
    RemoteActor.objects.update(fetched_at=timezone.now() - timedelta(minutes=5))
    del peer.documents["/users/zoe"]  # the re-fetch will fail
    peer.fetched.clear()
    # The first bad signature may have met a rotated key: the worker fetches it once more
    # (and, the key being gone, discards the activity). The next ones are refused at once.
    statuses = [send(zoe, follow(zoe, org, n=n), key=_key(2)).status_code for n in range(2, 5)]
    assert statuses == [202, 401, 401]
    assert peer.fetched == ["/users/zoe"]
    assert ReceivedActivity.objects.get(activity_id=f"{zoe.uri}#follows/2").state == "discarded"
    assert RemoteActor.objects.get().key_checked_at is not None


def test_every_fetch_is_signed_by_the_instance_actor(zoe: MastoActor, peer: Peer, db: None) -> None:
    remote.fetch_actor(zoe.uri)
    remote.fetch_json(zoe.uri)
    assert len(peer.fetch_headers) == 2
    for headers in peer.fetch_headers:
        signature = headers["signature"]
        assert f'keyId="{documents.instance_key_id()}"' in signature
        assert 'headers="(request-target) host date accept"' in signature
        assert headers["accept"] == remote.ACCEPT
        assert headers["host"] == peer.host
        assert headers["user-agent"] == http.user_agent()
        assert verify_signed_get("/users/zoe", headers, instance_key().public_key_pem)
    # And a signature by another key does not pass that check (the check can fail).
    other_key = zoe.document["publicKey"]["publicKeyPem"]
    assert not verify_signed_get("/users/zoe", peer.fetch_headers[0], other_key)
