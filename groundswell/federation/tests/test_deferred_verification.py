"""The inbox never fetches a key while someone waits: verify what it can, store, answer 202;
the worker fetches the key, verifies, and only then processes (or discards, saying why)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any, NoReturn, cast

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.tasks import default_task_backend
from django.tasks.backends.dummy import DummyBackend
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings

from groundswell.accounts.models import Organisation
from groundswell.federation import documents, inbox, tasks
from groundswell.federation.models import Follower, ReceivedActivity, ReceivedState
from groundswell.lib import http
from groundswell.lib.tests.test_http_deadline import HEAD, TricklingServer
from groundswell.testing import ClientResponse

from .peers import MastoActor, Peer, _key, mastodon_sign
from .test_inbox import follow


@pytest.fixture
def queued(settings: Settings) -> DummyBackend:
    """Tasks are recorded, not run: the test plays the worker."""
    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.dummy.DummyBackend",
            "QUEUES": settings.TASK_QUEUES,
        }
    }
    # The proxy stands for the DummyBackend configured just above.
    backend = cast(DummyBackend, default_task_backend)
    backend.clear()
    return backend


@pytest.fixture
def no_network_in_requests(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Any outbound request made while this is on fails the test."""
    calls: list[str] = []

    def refuse(url: str, **kwargs: object) -> NoReturn:
        calls.append(url)
        raise AssertionError(f"an outbound request was made: {url}")

    monkeypatch.setattr(http, "get", refuse)
    monkeypatch.setattr(http, "post", refuse)
    yield calls
    monkeypatch.undo()


@pytest.fixture
def slow_server() -> Iterator[TricklingServer]:
    server = TricklingServer(head=HEAD, pause=0.5)
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


def slow_follow(slow_server: TricklingServer, org: Organisation, n: int = 1) -> dict[str, Any]:
    actor = slow_server.url("/users/slow")
    return {
        "id": f"{actor}#follows/{n}",
        "type": "Follow",
        "actor": actor,
        "object": documents.actor_uri(org),
    }


def run_worker(queued: DummyBackend) -> list[str]:
    """Run what was queued for received activities, as the network worker would."""
    pks = [
        result.args[0]
        for result in queued.results
        if result.task.name == tasks.process_received.name
    ]
    queued.clear()
    return [tasks.process_received.call(pk) for pk in pks]


def test_a_post_signed_by_a_slow_server_is_answered_202_at_once_with_no_outbound_request(
    client: Client,
    org: Organisation,
    slow_server: TricklingServer,
    queued: DummyBackend,
    no_network_in_requests: list[str],
) -> None:
    key_id = slow_server.url("/users/slow#main-key")
    key = _key(1)  # made before the clock starts: generating a key is slow
    client.get("/ap/inbox")  # and the first request's imports
    timings = []
    for n in range(1, 5):
        started = time.monotonic()
        response = post_signed(client, key, key_id, slow_follow(slow_server, org, n))
        timings.append(time.monotonic() - started)
        assert response.status_code == 202
        assert response.json()["status"] == "accepted, to be verified"
    assert max(timings) < 0.5, timings
    assert no_network_in_requests == [] and slow_server.connections == 0
    stored = ReceivedActivity.objects.order_by("pk")
    assert stored[0].signature is not None
    assert [row.state for row in stored] == [ReceivedState.UNVERIFIED] * 4
    assert stored[0].signature["key_id"] == key_id
    assert stored[0].signature["signing_string"].startswith("(request-target): post /ap/inbox")
    assert not Follower.objects.exists()


def test_the_worker_gives_up_on_a_slow_key_server_at_the_deadline_and_tries_later(
    client: Client,
    org: Organisation,
    slow_server: TricklingServer,
    queued: DummyBackend,
    settings: Settings,
) -> None:
    settings.HTTP_DEADLINE_SECONDS = 1
    key_id = slow_server.url("/users/slow#main-key")
    post_signed(client, _key(1), key_id, slow_follow(slow_server, org))
    started = time.monotonic()
    assert run_worker(queued) == [ReceivedState.UNVERIFIED]
    assert time.monotonic() - started < 2
    row = ReceivedActivity.objects.get()
    assert "could not be fetched" in row.error and row.attempts == 1
    assert row.next_attempt_at is not None
    assert row.next_attempt_at > timezone.now()
    # Not handed out again before its retry is due; then it is.
    assert tasks.stuck_received(timezone.now()) == []
    assert tasks.stuck_received(row.next_attempt_at + timedelta(seconds=1)) == [row.pk]


def test_the_worker_verifies_and_processes_what_the_inbox_could_not(
    send: Callable[..., ClientResponse],
    zoe: MastoActor,
    org: Organisation,
    peer: Peer,
    queued: DummyBackend,
) -> None:
    assert send(zoe, follow(zoe, org)).status_code == 202
    assert peer.fetched == []
    assert run_worker(queued) == [ReceivedState.PROCESSED]
    assert peer.fetched == ["/users/zoe"]
    row = ReceivedActivity.objects.get()
    assert row.signature is not None
    assert (row.state, row.signature["key_id"]) == (ReceivedState.PROCESSED, zoe.key_id)
    assert Follower.objects.get(organisation=org).actor.uri == zoe.uri
    # Now the key is known: the next activity is verified in the request itself.
    second = send(zoe, follow(zoe, org, n=2))
    assert second.json()["status"] == "accepted"
    assert ReceivedActivity.objects.get(activity_id=f"{zoe.uri}#follows/2").state == "received"


def test_a_forged_signature_is_discarded_in_the_worker_with_the_reason(
    send: Callable[..., ClientResponse],
    zoe: MastoActor,
    org: Organisation,
    peer: Peer,
    queued: DummyBackend,
) -> None:
    assert send(zoe, follow(zoe, org), key=_key(2)).status_code == 202
    assert run_worker(queued) == [ReceivedState.DISCARDED]
    row = ReceivedActivity.objects.get()
    assert (row.state, row.error) == (ReceivedState.DISCARDED, "the signature does not verify")
    assert not Follower.objects.exists()
    assert peer.posts_to("/users/zoe/inbox") == []  # no Accept for a forgery


def test_an_unverifiable_copy_sent_first_does_not_make_the_real_one_already_received(
    send: Callable[..., ClientResponse], zoe: MastoActor, org: Organisation, queued: DummyBackend
) -> None:
    activity = follow(zoe, org)
    assert send(zoe, activity, key=_key(2)).status_code == 202  # a forger got there first
    real = send(zoe, activity)
    assert real.status_code == 202 and real.json()["status"] == "accepted, to be verified"
    assert sorted(run_worker(queued)) == [ReceivedState.DISCARDED, ReceivedState.PROCESSED]
    assert Follower.objects.get().follow_id == activity["id"]
    again = send(zoe, activity)
    assert again.json()["status"] == "already received"


def test_the_same_activity_twice_before_its_key_is_known_is_processed_once(
    send: Callable[..., ClientResponse], zoe: MastoActor, org: Organisation, queued: DummyBackend
) -> None:
    activity = follow(zoe, org)
    send(zoe, activity)
    send(zoe, activity)
    assert run_worker(queued) == [ReceivedState.PROCESSED, ReceivedState.DISCARDED]
    states = dict(ReceivedActivity.objects.values_list("state", "error"))
    assert states == {"processed": "", "discarded": "already received"}
    assert Follower.objects.count() == 1


def test_origin_checks_still_refuse_before_anything_is_stored(
    client: Client, zoe: MastoActor, org: Organisation, queued: DummyBackend
) -> None:
    activity = follow(zoe, org)
    activity["id"] = "https://elsewhere.example/follows/1"
    response = post_signed(client, zoe.key, zoe.key_id, activity)
    assert response.status_code == 403
    assert not ReceivedActivity.objects.exists()


def test_too_many_unverified_activities_ask_senders_to_come_back_later(
    send: Callable[..., ClientResponse],
    zoe: MastoActor,
    org: Organisation,
    peer: Peer,
    queued: DummyBackend,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(inbox, "MAX_UNVERIFIED_WAITING", 2)
    assert [send(zoe, follow(zoe, org, n)).status_code for n in (1, 2)] == [202, 202]
    response = send(zoe, follow(zoe, org, 3))
    assert response.status_code == 503 and response["Retry-After"] == "120"
    assert ReceivedActivity.objects.count() == 2


def test_a_row_whose_task_was_lost_is_handed_out_again_by_the_sweep(
    send: Callable[..., ClientResponse], zoe: MastoActor, org: Organisation, queued: DummyBackend
) -> None:
    send(zoe, follow(zoe, org))
    row = ReceivedActivity.objects.get()
    assert tasks.stuck_received(timezone.now()) == []  # its task is still in the queue
    later = timezone.now() + tasks.STUCK_AFTER + timedelta(seconds=1)
    assert tasks.stuck_received(later) == [row.pk]
    assert tasks.stuck_received(later) == []  # queued again once, not on every sweep


def test_discarded_activities_are_forgotten_after_a_week(
    send: Callable[..., ClientResponse], zoe: MastoActor, org: Organisation, queued: DummyBackend
) -> None:
    send(zoe, follow(zoe, org), key=_key(2))
    send(zoe, follow(zoe, org, n=2), key=_key(2))
    send(zoe, follow(zoe, org, n=3))
    run_worker(queued)
    assert sorted(ReceivedActivity.objects.values_list("state", flat=True)) == [
        "discarded",
        "discarded",
        "processed",
    ]
    ReceivedActivity.objects.filter(activity_id=f"{zoe.uri}#follows/1").update(
        processed_at=timezone.now() - timedelta(days=8)
    )
    assert tasks.sweep()["forgotten"] == 1
    assert sorted(ReceivedActivity.objects.values_list("state", flat=True)) == [
        "discarded",
        "processed",
    ]
