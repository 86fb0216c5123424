"""Authorized fetch against an independent server that refuses unsigned GETs (bovine-herd).

The peer runs in its own process on 127.0.0.1 from the separate virtualenv `.venv-peers`
(made by `scripts/setup.sh --browser`, beside `.venv`). To check our signature it fetches our
instance actor's key from this test's live server, with its own code: nothing here is checked
by Groundswell against itself.
"""

from __future__ import annotations

import json
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from pytest_django.fixtures import Settings as SettingsWrapper
from pytest_django.live_server_helper import LiveServer

from groundswell.accounts.models import Organisation
from groundswell.federation import documents, remote
from groundswell.federation.models import (
    Delivery,
    DeliveryState,
    Follower,
    ReceivedActivity,
    ReceivedState,
    RemoteActor,
)

PEER_SCRIPT = Path(__file__).with_name("bovine_peer.py")
# Beside the virtualenv running the tests (worktrees link `.venv` to a shared one).
PEER_PYTHON = Path(sys.prefix).resolve().parent / ".venv-peers" / "bin" / "python"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Bovine:
    origin: str
    actor: str
    key_id: str
    note: str


def _read_line(process: subprocess.Popen[bytes], seconds: float) -> bytes:
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], seconds)
    return process.stdout.readline() if ready else b""


@pytest.fixture
def bovine(tmp_path: Path) -> Iterator[Bovine]:
    if not PEER_PYTHON.exists():
        pytest.fail(f"{PEER_PYTHON} is missing: run scripts/setup.sh --browser to make it")
    port = free_port()
    log = (tmp_path / "bovine.log").open("wb")
    process = subprocess.Popen(  # noqa: S603 - our own script, in our own peer venv
        [str(PEER_PYTHON), str(PEER_SCRIPT), str(port), str(tmp_path / "bovine.sqlite3")],
        cwd=tmp_path,  # bovine keeps a JSON-LD cache file in its working directory
        stdout=subprocess.PIPE,
        stderr=log,
    )
    try:
        line = _read_line(process, 60)
        assert line, "bovine-herd did not start: " + (tmp_path / "bovine.log").read_text()[-2000:]
        started = json.loads(line)
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "bovine-herd did not listen"
                time.sleep(0.1)
        yield Bovine(
            origin=f"http://127.0.0.1:{port}",
            actor=started["actor"],
            key_id=started["key_id"],
            note=started["note"],
        )
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture
def site(live_server: LiveServer, settings: SettingsWrapper) -> str:
    # Our addresses (the instance actor's key id above all) must be where the peer can fetch.
    settings.SITE_URL = live_server.url
    return str(live_server.url)


@pytest.mark.django_db(transaction=True)
def test_the_peer_refuses_a_fetch_that_is_not_signed(bovine: Bovine) -> None:
    for address in (bovine.actor, bovine.note):
        response = httpx.get(address, headers={"Accept": remote.ACCEPT})
        assert response.status_code == 401


@pytest.mark.django_db(transaction=True)
def test_we_fetch_an_actor_and_its_key_from_a_server_in_secure_mode(
    site: str, bovine: Bovine
) -> None:
    actor = remote.fetch_actor(bovine.actor)
    assert actor.uri == bovine.actor
    assert actor.key_id == bovine.key_id
    assert actor.public_key_pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert actor.inbox.startswith("http://127.0.0.1:")
    RemoteActor.objects.all().delete()
    # The path an inbox takes for a key it has never seen: by key id, fetched and checked.
    by_key = remote.actor_for_key(bovine.key_id)
    assert by_key.uri == bovine.actor
    assert by_key.public_key_pem == actor.public_key_pem


@pytest.mark.django_db(transaction=True)
def test_we_fetch_an_object_from_a_server_in_secure_mode(site: str, bovine: Bovine) -> None:
    note = remote.fetch_json(bovine.note)
    assert note["id"] == bovine.note
    assert note["type"] == "Note"
    assert "Signed fetches only" in note["content"]


@pytest.mark.django_db(transaction=True)
def test_a_fetch_signed_by_a_key_the_peer_cannot_read_is_refused(
    site: str, bovine: Bovine, settings: SettingsWrapper
) -> None:
    # The same signed fetch, but naming a key id where no key is: the peer must refuse it,
    # which shows that it really checks our signature and not merely its presence.
    settings.SITE_URL = site + "/nowhere"
    with pytest.raises(remote.RemoteError, match="401"):
        remote.fetch_json(bovine.note)
    assert documents.instance_key_id().startswith(site + "/nowhere/")


@pytest.mark.django_db(transaction=True)
def test_a_follower_on_a_server_in_secure_mode_is_verified_and_gets_our_accept(
    site: str, bovine: Bovine, org: Organisation
) -> None:
    # bob, on the bovine server, follows our organisation: a POST signed by bovine's code.
    # Our inbox does not know bob's key, so the worker fetches it (a signed GET: bovine
    # refuses others), verifies, records the follow and delivers an Accept, which bovine
    # takes only after verifying our signature with our organisation's key, fetched from us.
    answer = httpx.post(
        bovine.origin + "/test/follow",
        json={"object": documents.actor_uri(org), "inbox": documents.inbox_uri(org)},
        timeout=60,
    ).json()
    assert answer["status"] == 202
    received = ReceivedActivity.objects.get(activity_id=answer["follow"])
    assert received.state == ReceivedState.PROCESSED
    follower = Follower.objects.select_related("actor").get(organisation=org)
    assert follower.actor.uri == bovine.actor
    assert follower.actor.key_id == bovine.key_id
    inbox = httpx.get(bovine.origin + "/test/accepted", timeout=10).json()["received"]
    assert [(item["from"], item["activity"]["type"]) for item in inbox] == [
        (documents.actor_uri(org), "Accept")
    ]
    assert inbox[0]["activity"]["object"]["id"] == answer["follow"]
    delivery = Delivery.objects.get(activity__type="Accept")
    assert delivery.state == DeliveryState.DELIVERED
