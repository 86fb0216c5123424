"""Test set-up shared by every app: environment first, then the cast.

The cast (conventions, habit 9): alice owns an organisation, bob edits for her, charlie is a
stranger who owns another organisation.
"""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from pytest_django.fixtures import Settings

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.actions.models import Petition


@pytest.fixture(autouse=True)
def _isolated(settings: Settings, tmp_path: Path) -> None:
    from groundswell.actions import forms
    from groundswell.actions.intake import forget_cached_petitions
    from groundswell.lib import analytics, pagecache
    from groundswell.listening import context as listening_context
    from groundswell.notifications import owed

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Ids are reused from one test's database to the next: no cached petition may survive.
    forget_cached_petitions()
    forms.forget_shared_fields()
    listening_context.forget()  # an organisation's rules and mutes, held by ingestion
    pagecache.clear()
    analytics.COUNTER.forget()  # page views another test counted
    cache.clear()  # anything a view kept in the cache (rate limits are in the database)
    owed.forget_mail_pauses()  # a mail server another test made unreachable


@pytest.fixture(autouse=True)
def _one_rate_limit_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rate limits count in fixed windows: a test that ran across the end of one would see
    its count start again. Every test runs 30 s into a 15-minute (and so a minute) window."""
    from groundswell.lib import ratelimit

    monkeypatch.setattr(ratelimit, "clock", lambda: 1_800_000_030.0)


@pytest.fixture
def task_queue(settings: Settings, db: None) -> None:
    """A real django-tasks-db queue with both of our queues: tasks are stored, not run."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": settings.TASK_QUEUES}
    }


@pytest.fixture
def worker_turn(db: None) -> Callable[..., None]:
    """`worker_turn()` does what the worker does for signatures just taken in (records them,
    sends their emails); `worker_turn("federation_tick")` runs the periodic tasks named."""

    def turn(*names: str) -> None:
        testing.run_periodic(*(names or testing.SIGNING))

    return turn


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> testing.FakeClock:
    """The one clock of leases, retries and back-off (lib/leases.py), stopped at the current
    time: `clock.moment`, `clock.advance(timedelta(hours=2))`."""
    from groundswell.lib import leases

    stopped = testing.FakeClock()
    monkeypatch.setattr(leases, "clock", stopped)
    return stopped


@pytest.fixture
def alice(db: None) -> User:
    return testing.make_user("alice@example.org", "Alice Owner")


@pytest.fixture
def org(alice: User) -> Organisation:
    return testing.make_organisation(alice, name="Alice's Campaigners", slug="alices")


@pytest.fixture
def bob(org: Organisation) -> User:
    user = testing.make_user("bob@example.org", "Bob Editor")
    testing.add_member(org, user, "editor")
    return user


@pytest.fixture
def charlie(db: None) -> User:
    user = testing.make_user("charlie@example.org", "Charlie Stranger")
    testing.make_organisation(user, name="Charlie's Club", slug="charlies")
    return user


@pytest.fixture
def owner(org: Organisation, alice: User) -> Membership:
    return testing.membership(alice, org)


@pytest.fixture
def editor(org: Organisation, bob: User) -> Membership:
    return testing.membership(bob, org)


@pytest.fixture
def web_server() -> Iterator[testing.LocalWebServer]:
    """A real HTTP server on 127.0.0.1 answering from `routes` {path: (status, headers, body)}."""
    server = testing.LocalWebServer()
    yield server
    server.stop()


@pytest.fixture
def smtp_server(settings: Settings) -> Iterator[testing.LocalSMTPServer]:
    """A real SMTP server on 127.0.0.1; Django's mailer is pointed at it for the test."""
    server = testing.LocalSMTPServer()
    server.use(settings)
    yield server
    server.stop()


@pytest.fixture
def smtp_server_with(settings: Settings) -> Iterator[Callable[..., testing.LocalSMTPServer]]:
    """`smtp_server_with(refuse=..., defer=..., accept=...)`: like `smtp_server`, but a
    server that refuses, defers or stops taking mail as told (testing.LocalSMTPServer)."""
    servers: list[testing.LocalSMTPServer] = []

    def start(**difficulties: Any) -> testing.LocalSMTPServer:
        server = testing.LocalSMTPServer(**difficulties)
        server.use(settings)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def petition(owner: Membership) -> Petition:
    campaign = testing.make_campaign(owner)
    return testing.make_petition(owner, campaign)
