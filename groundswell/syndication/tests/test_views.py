from datetime import timedelta

import pytest
from django.tasks.backends.dummy import DummyBackend
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.stories.models import Story
from groundswell.syndication import services
from groundswell.syndication.models import ChannelAccount, ScheduledPost

from .conftest import run_checks
from .fakes import APP_PASSWORD, FakePDS


@pytest.fixture
def analyst(org: Organisation) -> User:
    user = testing.make_user("dana@example.org", "Dana Analyst")
    testing.add_member(org, user, "analyst")
    return user


def test_an_owner_connects_bluesky_and_the_password_is_not_shown_again(
    client: Client, alice: User, org: Organisation, pds: FakePDS, queued: DummyBackend
) -> None:
    client.force_login(alice)
    response = client.post(
        reverse("syndication:accounts", args=["alices"]),
        {
            "network": "bluesky",
            "bluesky-handle": "alices.bsky.social",
            "bluesky-app_password": APP_PASSWORD,
            "bluesky-service_url": pds.url,
        },
        follow=True,
    )
    assert response.status_code == 200
    assert ChannelAccount.objects.get().handle == "alices.bsky.social"
    assert APP_PASSWORD not in response.content.decode()
    assert run_checks(queued) == 1  # the worker logs in, not the page
    assert ChannelAccount.objects.get().state == "connected"
    page = client.get(reverse("syndication:accounts", args=["alices"])).content.decode()
    assert APP_PASSWORD not in page


def test_a_refused_password_shows_why_and_keeps_the_handle(
    client: Client, alice: User, org: Organisation, pds: FakePDS, queued: DummyBackend
) -> None:
    client.force_login(alice)
    response = client.post(
        reverse("syndication:accounts", args=["alices"]),
        {
            "network": "bluesky",
            "bluesky-handle": "alices.bsky.social",
            "bluesky-app_password": "wrong",
            "bluesky-service_url": pds.url,
        },
    )
    assert response.status_code == 302
    run_checks(queued)
    page = client.get(reverse("syndication:accounts", args=["alices"])).content.decode()
    assert "refused" in page
    assert 'value="alices.bsky.social"' in page
    assert "wrong" not in page


def test_an_editor_cannot_connect_accounts(client: Client, bob: User, pds: FakePDS) -> None:
    client.force_login(bob)
    response = client.post(
        reverse("syndication:accounts", args=["alices"]),
        {"network": "bluesky", "bluesky-handle": "x", "bluesky-app_password": "y"},
    )
    assert response.status_code == 403
    assert pds.requests == []


def test_an_editor_schedules_a_post_from_the_story(
    client: Client, bob: User, story: Story, bluesky_account: ChannelAccount
) -> None:
    client.force_login(bob)
    url = reverse("syndication:schedule", args=["alices", story.pk])
    page = client.get(url).content.decode()
    assert "syndication/counter.js" in page
    assert 'data-limit="300"' in page
    when = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    prefix = f"account-{bluesky_account.pk}"
    response = client.post(
        url,
        {
            "account": bluesky_account.pk,
            f"{prefix}-text": "Read our story",
            f"{prefix}-scheduled_at": when,
            f"{prefix}-attachment": "link",
        },
    )
    assert response.status_code == 302
    post = ScheduledPost.objects.get()
    assert post.text == "Read our story"
    assert post.created_by == bob


def test_too_long_a_post_is_refused_by_the_server_and_the_text_is_kept(
    client: Client, bob: User, story: Story, bluesky_account: ChannelAccount
) -> None:
    client.force_login(bob)
    prefix = f"account-{bluesky_account.pk}"
    response = client.post(
        reverse("syndication:schedule", args=["alices", story.pk]),
        {
            "account": bluesky_account.pk,
            f"{prefix}-text": "🦦" * 301,
            f"{prefix}-scheduled_at": "2030-01-01T10:00",
            f"{prefix}-attachment": "link",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Bluesky allows 300. Shorten it by 1." in page
    assert "🦦" * 301 in page
    assert not ScheduledPost.objects.exists()


def test_an_analyst_may_look_but_not_schedule(
    client: Client, analyst: User, story: Story, bluesky_account: ChannelAccount
) -> None:
    client.force_login(analyst)
    url = reverse("syndication:schedule", args=["alices", story.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"account": bluesky_account.pk}).status_code == 403
    assert client.get(reverse("syndication:calendar", args=["alices"])).status_code == 200


def test_a_stranger_gets_404_everywhere(
    client: Client, charlie: User, owner: Membership, story: Story, bluesky_account: ChannelAccount
) -> None:
    post = services.schedule_post(
        owner, story, bluesky_account, text="x", scheduled_at=timezone.now()
    )
    client.force_login(charlie)
    for url in (
        reverse("syndication:calendar", args=["alices"]),
        reverse("syndication:accounts", args=["alices"]),
        reverse("syndication:schedule", args=["alices", story.pk]),
    ):
        assert client.get(url).status_code == 404
    assert client.post(reverse("syndication:retry", args=["alices", post.pk])).status_code == 404
    # And through charlie's own organisation, alice's post does not exist.
    assert client.post(reverse("syndication:retry", args=["charlies", post.pk])).status_code == 404


def test_the_calendar_lists_the_week_and_failures_with_a_retry_button(
    client: Client, alice: User, owner: Membership, story: Story, bluesky_account: ChannelAccount
) -> None:
    soon = timezone.now() + timedelta(hours=1)
    services.schedule_post(owner, story, bluesky_account, text="Coming up", scheduled_at=soon)
    failed = services.schedule_post(owner, story, bluesky_account, text="Broke", scheduled_at=soon)
    ScheduledPost.objects.filter(pk=failed.pk).update(state="failed", last_error="Bluesky 500")
    client.force_login(alice)

    page = client.get(
        reverse("syndication:calendar", args=["alices"]),
        {"start": timezone.localdate(soon).isoformat()},
    ).content.decode()

    assert "Coming up" in page
    assert "Bluesky 500" in page
    retry_url = reverse("syndication:retry", args=["alices", failed.pk])
    assert f'action="{retry_url}"' in page
    assert "<script>" not in page
    assert (
        client.get(reverse("syndication:calendar", args=["alices"]), {"view": "month"}).status_code
        == 200
    )

    response = client.post(retry_url)
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.state == "scheduled"


def test_the_story_page_shows_its_posts_and_a_link_to_schedule(
    client: Client, alice: User, owner: Membership, story: Story, bluesky_account: ChannelAccount
) -> None:
    services.schedule_post(owner, story, bluesky_account, text="x", scheduled_at=timezone.now())
    client.force_login(alice)
    page = client.get(reverse("stories:staff_edit", args=["alices", story.pk])).content.decode()
    assert "Social posts" in page
    assert reverse("syndication:schedule", args=["alices", story.pk]) in page


def test_only_an_owner_disconnects(
    client: Client, alice: User, bob: User, bluesky_account: ChannelAccount
) -> None:
    url = reverse("syndication:disconnect", args=["alices", bluesky_account.pk])
    client.force_login(bob)
    assert client.post(url).status_code == 403
    client.force_login(alice)
    assert client.post(url).status_code == 302
    bluesky_account.refresh_from_db()
    assert not bluesky_account.is_connected


@pytest.mark.parametrize(
    "server", ["https://10.0.0.1", "https://127.0.0.1:8443", "https://mastodon.internal"]
)
def test_a_local_server_address_is_refused_without_a_dns_lookup(
    client: Client,
    alice: User,
    org: Organisation,
    server: str,
    monkeypatch: pytest.MonkeyPatch,
    settings: Settings,
) -> None:
    import socket

    settings.HTTP_ALLOW_LOOPBACK = False
    asked: list[str] = []

    def getaddrinfo(
        host: str, port: int, *args: object, **kwargs: object
    ) -> list[tuple[socket.AddressFamily, socket.SocketKind, int, str, tuple[str, int]]]:
        asked.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    client.force_login(alice)
    response = client.post(
        reverse("syndication:accounts", args=["alices"]),
        {"network": "mastodon", "mastodon-service_url": server, "mastodon-access_token": "t"},
    )
    assert response.status_code == 200
    assert "That server address cannot be used" in response.content.decode()
    assert asked == []
    assert not ChannelAccount.objects.exists()
