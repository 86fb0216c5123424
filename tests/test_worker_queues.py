"""A link card hanging on a slow server never holds up signatures' email: two queues, two
worker processes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from pytest_django.fixtures import Settings

from groundswell.lib.tests.test_http_deadline import HEAD, TricklingServer

DATABASE_TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "network"]}
}


@pytest.fixture
def slow_page() -> Iterator[TricklingServer]:
    # 100 bytes of body after the head, one every 50 ms: about 8 s for the whole page.
    server = TricklingServer(head=HEAD, pause=0.05, body=b"x" * 100)
    yield server
    server.stop()


def test_the_default_queue_worker_sends_email_while_a_link_card_hangs(
    transactional_db: None, settings: Settings, slow_page: TricklingServer
) -> None:
    from django_tasks_db.models import DBTaskResult

    from groundswell import testing
    from groundswell.notifications.tasks import send_email
    from groundswell.stories.models import LinkCard, LinkCardStatus

    settings.TASKS = DATABASE_TASKS
    settings.HTTP_DEADLINE_SECONDS = 2
    alice = testing.make_user("alice@example.org", "Alice Owner")
    org = testing.make_organisation(alice, name="Alice's Campaigners", slug="alices")
    owner = testing.membership(alice, org)
    # Queued first: on one shared queue it would run first and hold the worker.
    testing.make_story(owner, link_url=slow_page.url("/film"))
    send_email.enqueue(["dana@example.org"], "Please confirm your signature", "Thank you.")

    started = time.monotonic()
    call_command("db_worker", queue_name="default", batch=True, startup_delay=False, verbosity=0)
    assert time.monotonic() - started < 1.5
    assert [message.subject for message in mail.outbox] == ["Please confirm your signature"]
    assert LinkCard.objects.get().status == LinkCardStatus.PENDING
    assert slow_page.connections == 0

    started = time.monotonic()
    call_command("db_worker", queue_name="network", batch=True, startup_delay=False, verbosity=0)
    card = LinkCard.objects.get()
    # The network worker gives up on the slow page at the deadline, with a reason.
    assert time.monotonic() - started < 3.5
    assert (card.status, card.error) == (
        LinkCardStatus.FAILED,
        "the server did not finish answering in the time allowed",
    )
    assert not DBTaskResult.objects.filter(status="READY").exists()


def _children(pid: int) -> list[str]:
    return [
        Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    ]


def _mail(outbox: Path) -> str:
    """Everything the file mail backend has written so far (a file may still be half written)."""
    if not outbox.exists():
        return ""
    return "".join(path.read_text(errors="replace") for path in outbox.iterdir())


def _wait_for(check: Callable[[], object], *, seconds: float) -> bool:
    give_up = time.monotonic() + seconds
    while time.monotonic() < give_up:
        if check():
            return True
        time.sleep(0.1)
    return False


ENQUEUE = """
import django; django.setup()
from django.test import Client
from django.urls import reverse
from groundswell import testing
alice = testing.make_user("alice@example.org", "Alice Owner")
org = testing.make_organisation(alice, name="Alice's Campaigners", slug="alices")
member = testing.membership(alice, org)
# Queued first: on one shared queue the card would hold the only worker.
testing.make_story(member, link_url="{url}")
petition = testing.make_petition(member, testing.make_campaign(member))
answer = Client(HTTP_HOST="127.0.0.1").post(
    reverse("actions:sign", args=[org.slug, petition.pk]),
    {{"given_name": "Dana", "email": "dana@example.net", "consent": "on"}},
)
assert answer.status_code == 302, answer.status_code
"""


def test_the_worker_command_runs_a_process_per_queue_so_email_goes_out_while_a_card_hangs(
    tmp_path: Path,
) -> None:
    slow_page = TricklingServer(head=HEAD, pause=0.05, body=b"x" * 2000)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "groundswell.settings",
        "GROUNDSWELL_DATA_DIR": str(tmp_path),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "HTTP_ALLOW_LOOPBACK": "true",
        "HTTP_DEADLINE_SECONDS": "60",
    }
    env.pop("DATABASE_URL", None)
    manage = [sys.executable, "-m", "groundswell"]
    run: dict[str, Any] = {"env": env, "check": True, "capture_output": True}
    subprocess.run([*manage, "migrate", "-v0"], **run)  # noqa: S603 - our own code
    subprocess.run([sys.executable, "-c", ENQUEUE.format(url=slow_page.url("/film"))], **run)  # noqa: S603
    worker = subprocess.Popen([*manage, "worker"], env=env)  # noqa: S603
    try:
        # A child counts once it runs its own command: between fork and exec it still shows
        # the parent's, so wait for both commands, not for two children.
        wanted = sorted(
            queue
            for queue in settings.TASK_QUEUES
            for _ in range(settings.TASK_QUEUE_PROCESSES.get(queue, 1))
        )

        def every_queue() -> bool:
            commands = _children(worker.pid)
            return sorted(command.rsplit(" ", 1)[-1] for command in commands) == wanted and all(
                "worker --queue " in command for command in commands
            )

        # The processes settings ask for (four for "network", one for each other queue),
        # each working its own queue.
        assert _wait_for(every_queue, seconds=20), _children(worker.pid)
        assert wanted == sorted(["default", "network", "network", "network", "network", "reports"])
        outbox = tmp_path / "outbox"
        # The network worker takes the card and hangs on the slow page (it needs ~100 s)...
        assert _wait_for(lambda: slow_page.connections == 1, seconds=40)
        # ...and meanwhile the signature is recorded and its confirmation email sent.
        assert _wait_for(lambda: "To: dana@example.net" in _mail(outbox), seconds=40)
        with sqlite3.connect(tmp_path / "groundswell.sqlite3") as database:
            [(status,)] = database.execute("SELECT status FROM stories_linkcard").fetchall()
            [(signatures,)] = database.execute("SELECT count(*) FROM actions_signature")
        assert (status, signatures) == ("pending", 1)
    finally:
        slow_page.stop()  # the network worker's fetch ends when the page goes away
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=40)
    assert code == 0


SUPERVISOR = """
import subprocess, sys
from groundswell.hub.management.commands.worker import parent_death_signal
child = subprocess.Popen(["sleep", "60"], preexec_fn=parent_death_signal())
print(child.pid, flush=True)
child.wait()
"""


def test_queue_workers_die_with_a_killed_worker_process() -> None:
    # The fault bench (and an OOM kill) SIGKILLs the worker: its queue workers must not live on.
    parent = subprocess.Popen(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", SUPERVISOR], stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert Path(f"/proc/{child}").exists()
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    assert _wait_for(lambda: not _alive(child), seconds=5)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except FileNotFoundError:
        return False
    return state != "Z"
