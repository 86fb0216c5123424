"""Connecting an account never waits for the network: the page stores it as "checking" and
the worker logs in with it, then marks it connected or failed (issue 9, item 1)."""

from __future__ import annotations

import socket
from datetime import timedelta
from typing import Any, NoReturn
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.tasks.backends.dummy import DummyBackend
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from groundswell.accounts.models import Membership, Organisation, User
from groundswell.audit.models import AuditEntry
from groundswell.lib import http
from groundswell.stories.models import Story
from groundswell.syndication import crypto, sending, services, tasks
from groundswell.syndication.models import ChannelAccount, ScheduledPost
from groundswell.testing import ClientResponse

from .conftest import run_checks
from .fakes import APP_PASSWORD, DID, TOKEN, FakeMastodon, FakePDS


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Any DNS lookup or outbound request while this is on fails the test."""

    def refuse(*args: object, **kwargs: object) -> NoReturn:
        raise AssertionError(f"an outbound request was made during the page: {args!r}")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(http, "get", refuse)
    monkeypatch.setattr(http, "post", refuse)
    return monkeypatch


def _post_bluesky(
    client: Client, pds: FakePDS, password: str = APP_PASSWORD, **kwargs: Any
) -> ClientResponse:
    return client.post(
        reverse("syndication:accounts", args=["alices"]),
        {
            "network": "bluesky",
            "bluesky-handle": "alices.bsky.social",
            "bluesky-app_password": password,
            "bluesky-service_url": pds.url,
        },
        **kwargs,
    )


def _post_mastodon(
    client: Client, server: FakeMastodon, token: str = TOKEN, **kwargs: Any
) -> ClientResponse:
    return client.post(
        reverse("syndication:accounts", args=["alices"]),
        {
            "network": "mastodon",
            "mastodon-service_url": server.url,
            "mastodon-access_token": token,
        },
        **kwargs,
    )


def test_connecting_bluesky_on_the_page_makes_no_request_and_stores_a_checking_account(
    client: Client,
    alice: User,
    org: Organisation,
    pds: FakePDS,
    queued: DummyBackend,
    no_network: pytest.MonkeyPatch,
) -> None:
    client.force_login(alice)
    response = _post_bluesky(client, pds, follow=True)
    no_network.undo()

    assert response.redirect_chain[0][1] == 302
    page = response.content.decode()
    assert "We are checking the account with 127.0.0.1" in page
    assert "Checking with the server" in page
    assert APP_PASSWORD not in page
    account = ChannelAccount.objects.get()
    assert account.state == "checking" and not account.is_connected
    assert account.handle == "alices.bsky.social"
    assert crypto.decrypt(account.secret_encrypted) == APP_PASSWORD
    assert pds.requests == []
    entry = AuditEntry.objects.get(action="syndication.connect")
    assert entry.changes["state"] == ["", "checking"]
    assert [(r.task.name, r.args) for r in queued.results] == [("check_account", [account.pk])]


def test_connecting_mastodon_on_the_page_makes_no_request(
    client: Client,
    alice: User,
    org: Organisation,
    mastodon_server: FakeMastodon,
    queued: DummyBackend,
    no_network: pytest.MonkeyPatch,
) -> None:
    client.force_login(alice)
    response = _post_mastodon(client, mastodon_server)
    no_network.undo()

    assert response.status_code == 302
    account = ChannelAccount.objects.get()
    assert account.state == "checking"
    assert mastodon_server.requests == []
    # Named by its server until the check tells us the account's name.
    assert str(account) == f"Mastodon: {urlsplit(account.service_url).netloc}"


def test_the_worker_connects_the_account_and_the_page_shows_it(
    client: Client,
    alice: User,
    org: Organisation,
    pds: FakePDS,
    mastodon_server: FakeMastodon,
    queued: DummyBackend,
) -> None:
    client.force_login(alice)
    _post_bluesky(client, pds)
    _post_mastodon(client, mastodon_server)

    assert run_checks(queued) == 2

    bluesky = ChannelAccount.objects.get(network="bluesky")
    mastodon = ChannelAccount.objects.get(network="mastodon")
    assert bluesky.state == "connected" and bluesky.remote_account_id == DID
    assert mastodon.state == "connected" and mastodon.handle == "alices"
    assert len(pds.to("/xrpc/com.atproto.server.createSession")) == 1
    page = client.get(reverse("syndication:accounts", args=["alices"])).content.decode()
    assert "Checking with the server" not in page
    assert page.count("<td>Connected</td>") == 2
    assert AuditEntry.objects.filter(action="syndication.checked").count() == 2


def test_a_wrong_token_fails_with_the_reason_on_the_page_and_can_be_entered_again(
    client: Client,
    alice: User,
    org: Organisation,
    mastodon_server: FakeMastodon,
    queued: DummyBackend,
) -> None:
    client.force_login(alice)
    _post_mastodon(client, mastodon_server, token="wrong-token")
    run_checks(queued)

    failed = ChannelAccount.objects.get()
    assert failed.state == "failed" and failed.secret_encrypted == ""
    page = client.get(reverse("syndication:accounts", args=["alices"])).content.decode()
    assert "Could not connect" in page
    assert "The server refused these details: Mastodon refused the access token." in page
    assert "wrong-token" not in page

    response = _post_mastodon(client, mastodon_server)
    assert response.status_code == 302
    run_checks(queued)

    failed.refresh_from_db()
    assert failed.disconnected_at is not None
    current = ChannelAccount.objects.current().get()
    assert current.pk != failed.pk and current.state == "connected"


def test_a_post_to_a_checking_account_is_not_sent_until_it_is_connected(
    owner: Membership, published_story: Story, pds: FakePDS, queued: DummyBackend
) -> None:
    account = services.connect_bluesky(
        owner, handle="alices.bsky.social", app_password=APP_PASSWORD, service_url=pds.url
    )
    post = services.schedule_post(
        owner,
        published_story,
        account,
        text="Otters",
        scheduled_at=timezone.now() - timedelta(minutes=1),
    )

    assert sending.dispatch_due() == 0
    assert sending.deliver(post.pk) == "scheduled"
    post.refresh_from_db()
    assert post.state == "scheduled" and "still being checked" in post.waiting_reason
    assert pds.requests == []

    run_checks(queued)
    assert sending.dispatch_due() == 1

    post.refresh_from_db()
    assert post.state == "sent" and post.waiting_reason == ""
    assert len(pds.to("/xrpc/com.atproto.repo.createRecord")) == 1


def test_a_post_to_an_account_whose_check_failed_fails_with_a_reason_and_can_be_retried(
    owner: Membership, published_story: Story, pds: FakePDS, queued: DummyBackend
) -> None:
    account = services.connect_bluesky(
        owner, handle="alices.bsky.social", app_password="wrong", service_url=pds.url
    )
    post = services.schedule_post(
        owner,
        published_story,
        account,
        text="Otters",
        scheduled_at=timezone.now() - timedelta(minutes=1),
    )
    run_checks(queued)

    sending.dispatch_due()

    post.refresh_from_db()
    assert post.state == "failed"
    assert "could not be connected" in post.last_error and "refused" in post.last_error
    assert pds.to("/xrpc/com.atproto.repo.createRecord") == []

    again = services.connect_bluesky(
        owner, handle="alices.bsky.social", app_password=APP_PASSWORD, service_url=pds.url
    )
    run_checks(queued)
    post.refresh_from_db()
    services.retry_post(owner, post)
    sending.dispatch_due()

    post.refresh_from_db()
    assert post.account_id == again.pk and post.state == "sent"


def test_a_failed_account_cannot_be_chosen_for_a_new_post(
    owner: Membership, story: Story, pds: FakePDS, queued: DummyBackend
) -> None:
    account = services.connect_bluesky(
        owner, handle="alices.bsky.social", app_password="wrong", service_url=pds.url
    )
    run_checks(queued)
    account.refresh_from_db()

    with pytest.raises(ValidationError, match="connected accounts"):
        services.schedule_post(owner, story, account, text="Otters", scheduled_at=timezone.now())
    assert not ScheduledPost.objects.exists()


def test_a_check_left_waiting_by_a_lost_task_is_run_by_the_dispatcher(
    owner: Membership, pds: FakePDS, queued: DummyBackend
) -> None:
    account = services.connect_bluesky(
        owner, handle="alices.bsky.social", app_password=APP_PASSWORD, service_url=pds.url
    )
    queued.clear()  # the task was lost (a worker died with it)

    tasks.dispatch_due_posts.call()
    account.refresh_from_db()
    assert account.state == "checking"  # a check only just enqueued is left to its task

    ChannelAccount.objects.filter(pk=account.pk).update(
        connected_at=timezone.now() - timedelta(minutes=6)
    )
    tasks.dispatch_due_posts.call()

    account.refresh_from_db()
    assert account.state == "connected" and account.remote_account_id == DID


@pytest.mark.django_db(transaction=True)
def test_accounts_connected_before_the_check_moved_to_the_worker_stay_connected(
    org: Organisation,
) -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    before = [("syndication", "0003_local_timeline")]
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    old_apps.get_model("syndication", "ChannelAccount").objects.create(
        organisation_id=org.pk,
        network="mastodon",
        handle="alices",
        service_url="https://mastodon.example",
        secret_encrypted="x",
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    account = ChannelAccount.objects.get()
    assert account.state == "connected" and account.is_connected
    assert account.failure_reason == ""
