from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings

from groundswell import testing
from groundswell.accounts.models import Membership, User
from groundswell.stories.models import Story
from groundswell.syndication import accounts, sending, services
from groundswell.syndication.models import ChannelAccount

from .fakes import TOKEN, FakeMastodon


def test_connecting_checks_the_token_and_keeps_it_encrypted(
    mastodon_account: ChannelAccount, mastodon_server: FakeMastodon
) -> None:
    stored = ChannelAccount.objects.values_list("secret_encrypted", flat=True).get()
    assert TOKEN not in stored
    assert mastodon_account.handle == "alices"
    (check,) = mastodon_server.to("/api/v1/accounts/verify_credentials")
    assert check.headers["authorization"] == f"Bearer {TOKEN}"


def test_a_token_the_server_refuses_is_not_kept(
    owner: Membership, mastodon_server: FakeMastodon
) -> None:
    account = services.connect_mastodon(owner, service_url=mastodon_server.url, access_token="nope")
    accounts.check(account.pk)  # the worker's step (the test backend may have run it already)

    account.refresh_from_db()
    assert account.state == "failed"
    assert "refused" in account.failure_reason
    assert account.secret_encrypted == ""
    assert not ChannelAccount.objects.usable().exists()


def test_a_status_goes_out_with_its_image_and_alt_text(
    owner: Membership,
    published_story: Story,
    mastodon_account: ChannelAccount,
    mastodon_server: FakeMastodon,
) -> None:
    post = services.schedule_post(
        owner,
        published_story,
        mastodon_account,
        text="Otters are back! https://example.org/otters",
        scheduled_at=timezone.now(),
        attachment="image",
    )

    sending.dispatch_due()

    (upload,) = mastodon_server.to("/api/v2/media")
    form = upload.form()
    assert form["description"] == "Two otters on a muddy bank at dawn"
    _filename, content_type, content = form["file"]
    assert content_type.startswith("image/") and content
    (status,) = mastodon_server.to("/api/v1/statuses")
    assert status.headers["authorization"] == f"Bearer {TOKEN}"
    assert status.headers["idempotency-key"] == str(post.idempotency_key)
    assert status.json() == {
        "status": "Otters are back! https://example.org/otters",
        "visibility": "public",
        "media_ids": ["22348641"],
        "language": "en",
    }
    post.refresh_from_db()
    assert post.state == "sent"
    assert post.remote_id == "110001"
    assert post.remote_url == "https://social.example/@alices/110001"


def test_a_passing_failure_is_tried_again_with_the_same_idempotency_key(
    owner: Membership,
    published_story: Story,
    mastodon_account: ChannelAccount,
    mastodon_server: FakeMastodon,
    clock: testing.FakeClock,
) -> None:
    start = clock.moment
    post = services.schedule_post(
        owner, published_story, mastodon_account, text="Hello", scheduled_at=start
    )
    mastodon_server.failures["/api/v1/statuses"] = [503]

    sending.dispatch_due()
    post.refresh_from_db()
    assert post.state == "scheduled"
    assert post.attempts == 1
    assert "503" in post.last_error
    assert post.scheduled_at > start

    clock.advance(timedelta(minutes=2))
    sending.dispatch_due()

    post.refresh_from_db()
    assert post.state == "sent"
    keys = {r.headers["idempotency-key"] for r in mastodon_server.to("/api/v1/statuses")}
    assert keys == {str(post.idempotency_key)}


def test_a_server_on_plain_http_is_refused_before_the_token_is_sent(
    owner: Membership, mastodon_server: FakeMastodon, settings: Settings
) -> None:
    # Private addresses allowed, loopback http not: only https may carry the token.
    settings.HTTP_ALLOW_PRIVATE_ADDRESSES = True
    settings.HTTP_ALLOW_LOOPBACK = False
    with pytest.raises(ValidationError, match="https") as refused:
        services.connect_mastodon(owner, service_url=mastodon_server.url, access_token=TOKEN)
    assert "service_url" in refused.value.message_dict
    assert mastodon_server.requests == []
    assert not ChannelAccount.objects.exists()


def test_a_server_name_that_resolves_to_loopback_fails_the_post_with_its_reason(
    owner: Membership,
    client: Client,
    alice: User,
    published_story: Story,
    mastodon_account: ChannelAccount,
    mastodon_server: FakeMastodon,
    monkeypatch: pytest.MonkeyPatch,
    settings: Settings,
) -> None:
    import socket

    from django.urls import reverse

    from groundswell.syndication.models import ScheduledPost

    # The connect form checks only the address's shape; the name is resolved by the worker.
    port = int(mastodon_server.url.rsplit(":", 1)[1])
    ChannelAccount.objects.filter(pk=mastodon_account.pk).update(
        service_url=f"http://social.example.org:{port}"
    )
    mastodon_account.refresh_from_db()
    settings.HTTP_ALLOW_LOOPBACK = False
    asked: list[str] = []

    def getaddrinfo(
        host: str, port: int, *args: object, **kwargs: object
    ) -> list[tuple[socket.AddressFamily, socket.SocketKind, int, str, tuple[str, int]]]:
        asked.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    seen_before = len(mastodon_server.requests)
    post = services.schedule_post(
        owner, published_story, mastodon_account, text="Otters!", scheduled_at=timezone.now()
    )
    for _attempt in range(sending.MAX_AUTOMATIC_ATTEMPTS):
        ScheduledPost.objects.filter(pk=post.pk).update(scheduled_at=timezone.now())
        sending.dispatch_due()

    post.refresh_from_db()
    assert post.state == "failed"
    assert post.last_error == "the address is private or local and is never fetched"
    assert "social.example.org" in asked
    assert len(mastodon_server.requests) == seen_before
    client.force_login(alice)
    page = client.get(reverse("syndication:calendar", args=["alices"])).content.decode()
    assert "the address is private or local and is never fetched" in page
