"""Two Groundswells on 127.0.0.1 federating: B follows A, A publishes, B replies, A approves.

A is this test's live server; B is a separate process with its own data directory and SQLite
database, driven through `python -m groundswell` commands, as an operator would.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.test import Client
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from groundswell.accounts.models import Organisation, User
from groundswell.federation import documents
from groundswell.federation.models import Follower, Interaction
from groundswell.moderation import services as moderation
from groundswell.stories.services import change_state
from groundswell.testing import make_story, membership

# One process for both steps: each start of Django costs a second or more on a busy machine.
MIGRATE_AND_MAKE_ORGANISATION = """
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from groundswell.accounts.models import User
from groundswell.accounts.services import create_organisation
owner = User.objects.create_user("bea@example.net", "correct horse battery staple", name="Bea")
create_organisation(name="Bees for Rivers", slug="bees", owner=owner, approved=True)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class InstanceB:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DATABASE_URL", "SECRET_KEY", "PYTEST_CURRENT_TEST")
        }
        self.env.update(
            GROUNDSWELL_DATA_DIR=str(data_dir),
            SITE_URL=self.url,
            HTTP_ALLOW_LOOPBACK="true",
            TASKS_BACKEND="django.tasks.backends.immediate.ImmediateBackend",
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            DJANGO_SETTINGS_MODULE="groundswell.settings",
        )
        self.server: subprocess.Popen[bytes] | None = None

    def run(self, *args: str) -> str:
        done = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "groundswell", *args],
            env=self.env,
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr.decode()[-2000:]
        return done.stdout.decode()

    def start(self) -> None:
        self.run("shell", "-c", MIGRATE_AND_MAKE_ORGANISATION)
        self.server = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "groundswell",
                "runserver",
                f"127.0.0.1:{self.port}",
                "--noreload",
            ],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/.well-known/nodeinfo", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise AssertionError("instance B did not start")

    def received(self) -> list[tuple[str, dict[str, Any]]]:
        """What B's inboxes took in, read straight from B's database file (no Django start)."""
        with sqlite3.connect(self.data_dir / "groundswell.sqlite3") as database:
            rows = database.execute(
                "SELECT state, payload FROM federation_receivedactivity ORDER BY id"
            ).fetchall()
        return [(state, json.loads(payload)) for state, payload in rows]

    def stop(self) -> None:
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=10)


@pytest.fixture
def instance_b(tmp_path: Path) -> Iterator[InstanceB]:
    instance = InstanceB(tmp_path / "instance-b")
    instance.start()
    yield instance
    instance.stop()


@pytest.mark.django_db(transaction=True)
def test_two_instances_follow_publish_and_reply(
    live_server: LiveServer,
    settings: Settings,
    alice: User,
    org: Organisation,
    instance_b: InstanceB,
    client: Client,
) -> None:
    a_url = f"http://127.0.0.1:{live_server.thread.port}"
    settings.SITE_URL = a_url
    a_host = a_url.removeprefix("http://")

    # B's organisation follows A's; A answers with an Accept that B records.
    output = instance_b.run("federation", "follow", "bees", f"alices@{a_host}")
    assert "alices" in output
    follower = Follower.objects.get(organisation=org)
    assert follower.actor.uri == instance_b.url + "/ap/actors/1"
    assert follower.actor.shared_inbox == instance_b.url + "/ap/inbox"
    assert [(state, item["type"]) for state, item in instance_b.received()] == [
        ("processed", "Accept")
    ]

    # A publishes: the Create arrives at B's shared inbox.
    owner = membership(alice, org)
    story = change_state(owner, make_story(owner), "publish")  # sends the Create
    arrived = [(s, item) for s, item in instance_b.received() if item["type"] == "Create"]
    assert len(arrived) == 1
    state, create = arrived[0]
    assert state == "processed"
    assert create["object"]["id"] == documents.story_uri(story)
    assert "<strong>The river at dawn</strong>" in create["object"]["content"]

    # B replies from its side; the reply comes home to A, waiting for moderation.
    instance_b.run("federation", "reply", "bees", documents.story_uri(story), "What a morning!")
    reply = Interaction.objects.get(story=story)
    assert reply.kind == "reply" and reply.public
    assert reply.moderation is not None and reply.moderation.state == "pending"
    assert reply.actor.uri == instance_b.url + "/ap/actors/1"
    page = story.get_absolute_url()
    assert "What a morning!" not in client.get(page).content.decode()

    moderation.approve(owner, reply.moderation)
    html = client.get(page).content.decode()
    assert "What a morning!" in html
    assert "@bees@127.0.0.1" in html
