"""Past one machine: two web servers and two workers on one PostgreSQL database.

Everything runs as it would on several machines, on 127.0.0.1: two `serve` processes on
two ports and two `worker` processes, all pointed at a PostgreSQL database of this test's
own, sending email to an SMTP server (aiosmtpd) the test runs. A small spike of sign POSTs
is spread over both web servers; in the middle one worker and one web server are killed
(SIGKILL, the whole process group, as systemd stops a unit's cgroup) and started again.
Afterwards: every 302 is a stored signature, nobody is stored twice, every confirmation
email reached the SMTP server once per Message-ID (a worker killed between the server's
250 and its own record sends that message again: at most one copy more per SMTP connection
of the killed worker, and no message more than twice), the
sign rate limit holds across both servers, and a count that changed in the database shows
on both servers' page copies within the copy's lifetime.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest

from groundswell.testing import LocalSMTPServer

# Part of `make test` and CI; `make test-fast` leaves it out (about a minute of processes).
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SIGNERS = 400
LIMIT_PER_MINUTE = 5
# A reader's page copy is at most this old (lib/pagecache.SECONDS) plus the time to fetch it.
COPY_SECONDS = 1.0

SEED = """
import django; django.setup()
from groundswell import testing
alice = testing.make_user("alice@example.org", "Alice Owner")
org = testing.make_organisation(alice, name="Alice's Campaigners", slug="alices")
member = testing.membership(alice, org)
campaign = testing.make_campaign(member, status="live")
petition = testing.make_petition(member, campaign)
print(petition.pk)
"""


def postgres_server() -> str:
    """The PostgreSQL server to create this test's database on, as a URL without a name."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = "postgres://postgres@127.0.0.1:5432/postgres"
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


@pytest.fixture
def database() -> Iterator[str]:
    """A PostgreSQL database of this test's own; skipped only when no server answers."""
    psycopg = pytest.importorskip("psycopg")
    server = postgres_server()
    try:
        admin = psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL at {urlsplit(server).hostname} is unreachable: {error}")
    name = f"gs_multinode_{secrets.token_hex(4)}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Site:
    """The processes of the site, each started in a session of its own."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, *args: str) -> None:
        with (self.logs / f"{name}.log").open("a") as log:
            self.processes[name] = subprocess.Popen(  # noqa: S603 - our own code
                [sys.executable, "-m", "groundswell", *args],
                # A data directory per process, as on machines of their own: nothing of
                # one (secret key file, static files) may be needed by another.
                env={**self.env, "GROUNDSWELL_DATA_DIR": str(self.logs / "data" / name)},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=ROOT,
            )

    def kill(self, name: str) -> None:
        """SIGKILL to the whole group: no process of it gets a chance to tidy up."""
        process = self.processes[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.kill(name)

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")


def wait_for(check: Callable[[], bool], *, seconds: float, what: str) -> None:
    give_up = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < give_up, f"gave up waiting for {what}"
        time.sleep(0.2)


def answers(port: int) -> bool:
    try:
        return get(port, "/robots.txt")[0] == 200
    except OSError:
        return False


def get(port: int, path: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        reply = connection.getresponse()
        return reply.status, reply.read().decode()
    finally:
        connection.close()


def sign(port: int, path: str, email: str, address: str) -> int:
    """POST the sign form as a person behind the proxy at 127.0.0.1 would; the status."""
    body = urlencode({"given_name": "Sam", "email": email, "consent": "on"})
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        connection.request(
            "POST",
            path,
            body,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Forwarded-For": address,
            },
        )
        reply = connection.getresponse()
        reply.read()
        return reply.status
    finally:
        connection.close()


class Database:
    """Reads the test's database directly (psycopg), as an operator would."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.connection = psycopg.connect(url, autocommit=True)

    def rows(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        return self.connection.execute(sql, args).fetchall()

    def value(self, sql: str, *args: Any) -> Any:
        return self.rows(sql, *args)[0][0]


def shown_count(port: int, path: str) -> int:
    """The count a reader sees on the petition page: confirmed plus waiting."""
    status, page = get(port, path)
    assert status == 200, page[:500]
    confirmed = re.search(r"<strong>([\d,]+)</strong> confirmed signatures", page)
    waiting = re.search(r"· ([\d,]+) waiting for email confirmation", page)
    assert confirmed, page[:2000]
    return sum(int(m.group(1).replace(",", "")) for m in (confirmed, waiting) if m)


def shows_at_least(port: int, path: str, count: int) -> bool:
    return shown_count(port, path) >= count


def test_two_web_servers_and_two_workers_share_one_postgresql_through_a_spike_with_kills(
    database: str, tmp_path: Path
) -> None:
    sink = LocalSMTPServer()
    ports = {"web1": free_port(), "web2": free_port()}
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "groundswell.settings",
        "DATABASE_URL": database,
        # Each process has a data directory of its own (Site.start), as on machines of
        # their own: they share the SECRET_KEY (signed links, rate-limit keys), as
        # deployment.md says to set it on every machine.
        "GROUNDSWELL_DATA_DIR": str(tmp_path / "data" / "migrate"),
        "SECRET_KEY": secrets.token_urlsafe(40),
        "SITE_URL": f"http://127.0.0.1:{ports['web1']}",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink.port),
        "TRUSTED_PROXIES": "127.0.0.1",
        "SIGN_RATE_LIMIT_PER_MINUTE": str(LIMIT_PER_MINUTE),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("PLAIN_STATIC_FILES", None)  # `serve` collects hashed static files
    site = Site(env, tmp_path)

    def python(*args: str) -> str:
        done = subprocess.run(  # noqa: S603 - our own code
            [sys.executable, *args], env=env, capture_output=True, text=True, cwd=ROOT
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    python("-m", "groundswell", "migrate", "-v0")
    petition = int(python("-c", SEED).strip())
    sign_path = f"/o/alices/petitions/{petition}/sign/"
    page_path = f"/o/alices/petitions/{petition}/"
    db = Database(database)
    try:
        for name, port in ports.items():
            site.start(name, "serve", "--port", str(port), "--workers", "1")
        site.start("worker1", "worker")
        site.start("worker2", "worker")
        for name, port in ports.items():
            wait_for(functools.partial(answers, port), seconds=90, what=f"{name} to answer")

        # The spike: each signer from an address of their own, alternating servers. A
        # signer whose server was down (or died mid-request) tries the other, as a person
        # would press the button again.
        statuses: dict[str, list[int]] = {}
        lock = threading.Lock()
        half = threading.Event()

        def one(n: int) -> None:
            email = f"signer{n}@example.net"
            address = f"10.{n // 250}.{n % 250}.1"
            order = ["web1", "web2"] if n % 2 else ["web2", "web1"]
            seen: list[int] = []
            for name in order:
                try:
                    status = sign(ports[name], sign_path, email, address)
                except OSError:
                    seen.append(0)
                    continue
                seen.append(status)
                if status == 302:
                    break
            with lock:
                statuses[email] = seen
                if len(statuses) == SIGNERS // 2:
                    half.set()

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(one, n) for n in range(SIGNERS)]
            half.wait(timeout=120)
            site.kill("worker1")
            site.kill("web1")
            time.sleep(1)
            site.start("web1", "serve", "--port", str(ports["web1"]), "--workers", "1")
            site.start("worker1", "worker")
            for future in futures:
                future.result()
        wait_for(lambda: answers(ports["web1"]), seconds=90, what="web1 to answer again")

        accepted = {email for email, seen in statuses.items() if 302 in seen}
        unanswered = {email for email, seen in statuses.items() if 302 not in seen}
        assert len(accepted) >= SIGNERS * 0.9, Counter(s for v in statuses.values() for s in v)

        # The workers record everything taken in and send every confirmation owed.
        def drained() -> bool:
            return bool(
                db.value("SELECT count(*) FROM actions_signatureintake") == 0
                and db.value(
                    "SELECT count(*) FROM actions_signature "
                    "WHERE confirmations_delivered < confirmation_sends"
                )
                == 0
            )

        wait_for(drained, seconds=120, what="the workers to record and email everyone")
        stored = Counter(
            email
            for (email,) in db.rows(
                "SELECT s.email FROM actions_signature g "
                "JOIN supporters_supporter s ON s.id = g.supporter_id WHERE g.petition_id = %s",
                petition,
            )
        )
        assert not accepted - set(stored), "a 302 without a stored signature"
        assert [email for email, copies in stored.items() if copies > 1] == []
        # A request killed after its INSERT but before its answer may be stored unanswered.
        assert set(stored) <= accepted | unanswered

        owed = {
            f"<confirm.{pk}.{sends}@127.0.0.1>"
            for pk, sends in db.rows(
                "SELECT id, confirmation_sends FROM actions_signature WHERE petition_id = %s",
                petition,
            )
        }
        time.sleep(1)  # a message the sink answered 250 to is appended just after
        received = Counter(str(message["Message-ID"]) for message in sink.messages)
        assert owed <= set(received), sorted(owed - set(received))[:5]
        # The killed worker had at most one message between the server's 250 and its record
        # (its SMTP connections take turns to end a message: notifications/bulk.py).
        copies_beyond_one = sum(copies - 1 for copies in received.values())
        doubled = [mid for mid, n in received.items() if n > 1]
        assert copies_beyond_one <= 1, doubled
        assert max(received.values(), default=1) <= 2, doubled

        # The sign limit is one count for both servers: one address, alternating servers.
        now = time.time()
        if now % 60 > 50:  # a fixed one-minute window: the burst must not straddle two
            time.sleep(61 - now % 60)
        greedy = [
            sign(ports[f"web{1 + n % 2}"], sign_path, f"greedy{n}@example.net", "10.99.0.1")
            for n in range(LIMIT_PER_MINUTE + 3)
        ]
        assert greedy == [302] * LIMIT_PER_MINUTE + [429] * 3

        # A count that changed in the database reaches both servers' page copies within
        # the copy's lifetime: nothing in one process waits to be told by another.
        for port in ports.values():
            shown_count(port, page_path)  # both hold a copy now
        before = db.value(
            "SELECT confirmed + pending FROM actions_petitiontally WHERE petition_id = %s",
            petition,
        )
        assert sign(ports["web1"], sign_path, "latecomer@example.net", "10.98.0.1") == 302
        wait_for(
            lambda: (
                db.value(
                    "SELECT confirmed + pending FROM actions_petitiontally WHERE petition_id = %s",
                    petition,
                )
                > before
            ),
            seconds=30,
            what="the recount",
        )
        counted = time.monotonic()
        truth = db.value(
            "SELECT confirmed + pending FROM actions_petitiontally WHERE petition_id = %s",
            petition,
        )
        for port in ports.values():
            wait_for(
                functools.partial(shows_at_least, port, page_path, truth),
                seconds=10,
                what="the new count on the page",
            )
        lag = time.monotonic() - counted
        assert lag <= 2 * COPY_SECONDS, f"both pages showed the new count {lag:.2f} s later"
    finally:
        site.stop_all()
        sink.stop()
        db.connection.close()
    for name in ("worker1", "worker2"):
        assert "Traceback" not in site.log(name), site.log(name)[-3000:]
