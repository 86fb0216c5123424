from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from pytest_django.fixtures import Settings

from groundswell.accounts.models import Membership
from groundswell.audit.models import AuditEntry
from groundswell.lib.http import user_agent
from groundswell.stories.models import Story
from groundswell.syndication import accounts, crypto, sending, services
from groundswell.syndication.models import ChannelAccount, ScheduledPost

from .fakes import APP_PASSWORD, DID, FakePDS


def _schedule(
    owner: Membership, story: Story, account: ChannelAccount, text: str, **fields: Any
) -> ScheduledPost:
    return services.schedule_post(
        owner,
        story,
        account,
        text=text,
        scheduled_at=timezone.now() - timedelta(minutes=1),
        **fields,
    )


def test_connecting_keeps_the_app_password_encrypted_at_rest(
    bluesky_account: ChannelAccount, pds: FakePDS
) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT secret_encrypted FROM syndication_channelaccount WHERE id = %s",
            [bluesky_account.pk],
        )
        (stored,) = cursor.fetchone()
    assert APP_PASSWORD not in stored
    assert crypto.decrypt(stored) == APP_PASSWORD
    assert bluesky_account.remote_account_id == DID
    assert pds.to("/xrpc/com.atproto.server.createSession")[0].json()["identifier"] == (
        "alices.bsky.social"
    )
    entry = AuditEntry.objects.get(action="syndication.connect")
    assert APP_PASSWORD not in str(entry.changes) + entry.summary


def test_a_wrong_app_password_is_refused_and_nothing_is_kept(
    owner: Membership, pds: FakePDS
) -> None:
    account = services.connect_bluesky(
        owner, handle="alices.bsky.social", app_password="wrong", service_url=pds.url
    )
    accounts.check(account.pk)  # the worker's step (the test backend may have run it already)

    account.refresh_from_db()
    assert account.state == "failed"
    assert "refused" in account.failure_reason
    assert account.secret_encrypted == "" and account.session_encrypted == ""
    assert not account.is_usable


def test_a_pds_on_a_private_address_is_refused_before_any_request(
    owner: Membership, pds: FakePDS, settings: Settings
) -> None:
    settings.HTTP_ALLOW_LOOPBACK = False
    with pytest.raises(ValidationError):
        services.connect_bluesky(
            owner, handle="alices.bsky.social", app_password=APP_PASSWORD, service_url=pds.url
        )
    assert pds.requests == []


def test_a_due_post_goes_out_with_a_link_facet_and_a_link_card_with_a_thumbnail(
    owner: Membership,
    published_story: Story,
    bluesky_account: ChannelAccount,
    pds: FakePDS,
    settings: Settings,
) -> None:
    text = "🦦 Otters are back on the Wandle! https://example.org/otters"
    post = _schedule(owner, published_story, bluesky_account, text)

    assert sending.dispatch_due() == 1

    post.refresh_from_db()
    assert post.state == "sent"
    created = pds.to("/xrpc/com.atproto.repo.createRecord")
    assert len(created) == 1
    call = created[0]
    assert call.headers["authorization"].startswith("Bearer ")
    assert call.headers["user-agent"] == user_agent()
    body = call.json()
    assert body["repo"] == DID
    assert body["collection"] == "app.bsky.feed.post"
    assert body["rkey"] and len(body["rkey"]) == 13
    record = body["record"]
    assert record["$type"] == "app.bsky.feed.post"
    assert record["text"] == text
    assert record["langs"] == ["en"]
    # Facet offsets are UTF-8 bytes: the otter emoji is four of them.
    link_start = len(text[: text.index("https")].encode())
    (facet,) = record["facets"]
    assert facet["$type"] == "app.bsky.richtext.facet"
    assert facet["index"]["byteStart"] == link_start
    assert facet["index"]["byteEnd"] == len(text.encode())
    assert facet["features"] == [
        {"$type": "app.bsky.richtext.facet#link", "uri": "https://example.org/otters"}
    ]
    external = record["embed"]["external"]
    assert record["embed"]["$type"] == "app.bsky.embed.external"
    assert external["uri"] == f"{settings.SITE_URL}/o/alices/stories/published-one/"
    assert external["title"] == "Otters are back"
    assert external["description"] == published_story.summary
    upload = pds.to("/xrpc/com.atproto.repo.uploadBlob")[0]
    assert upload.headers["content-type"].startswith("image/")
    assert external["thumb"]["$type"] == "blob"
    assert external["thumb"]["ref"]["$link"].startswith("bafkrei")
    assert post.remote_id == f"at://{DID}/app.bsky.feed.post/{body['rkey']}"
    assert post.remote_url.endswith(f"/post/{body['rkey']}")
    assert AuditEntry.objects.filter(action="syndication.sent", actor__isnull=True).exists()


def test_an_image_post_carries_the_alt_text_and_aspect_ratio(
    owner: Membership, published_story: Story, bluesky_account: ChannelAccount, pds: FakePDS
) -> None:
    _schedule(owner, published_story, bluesky_account, "Look who is back", attachment="image")

    sending.dispatch_due()

    record = pds.to("/xrpc/com.atproto.repo.createRecord")[0].json()["record"]
    assert record["embed"]["$type"] == "app.bsky.embed.images"
    (image,) = record["embed"]["images"]
    assert image["alt"] == "Two otters on a muddy bank at dawn"
    assert image["image"]["mimeType"].startswith("image/")
    assert image["aspectRatio"]["width"] > 0
    assert "facets" not in record


def test_a_repeat_after_a_lost_answer_cannot_make_a_second_bluesky_post(
    owner: Membership, published_story: Story, bluesky_account: ChannelAccount, pds: FakePDS
) -> None:
    post = _schedule(owner, published_story, bluesky_account, "Once only")
    sending.dispatch_due()
    # Pretend the answer was lost and a person retried: the same record key is sent, so the
    # server refuses to make a second post instead of duplicating it.
    ScheduledPost.objects.filter(pk=post.pk).update(state="failed")
    post.refresh_from_db()
    services.retry_post(owner, post)
    sending.dispatch_due()

    keys = [r.json()["rkey"] for r in pds.to("/xrpc/com.atproto.repo.createRecord")]
    assert len(keys) == 2 and keys[0] == keys[1]
    post.refresh_from_db()
    assert post.state == "failed"
    assert "already exists" in post.last_error


def test_two_people_connecting_at_once_get_a_clear_message_not_an_error_page(
    owner: Membership,
    bluesky_account: ChannelAccount,
    pds: FakePDS,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The second request checked before the first one's account was saved.
    monkeypatch.setattr(accounts, "_refuse_second", lambda membership, network: None)
    with pytest.raises(ValidationError, match="already connected"):
        services.connect_bluesky(
            owner, handle="alices.bsky.social", app_password=APP_PASSWORD, service_url=pds.url
        )
    assert ChannelAccount.objects.get() == bluesky_account
    assert AuditEntry.objects.filter(action="syndication.connect").count() == 1


def _sessions_created(pds: FakePDS) -> int:
    return len(pds.to("/xrpc/com.atproto.server.createSession"))


def test_one_login_serves_every_post_of_an_account(
    owner: Membership, published_story: Story, bluesky_account: ChannelAccount, pds: FakePDS
) -> None:
    before = _sessions_created(pds)
    first = _schedule(owner, published_story, bluesky_account, "One")
    second = _schedule(owner, published_story, bluesky_account, "Two")

    sending.dispatch_due()

    assert ScheduledPost.objects.filter(pk__in=[first.pk, second.pk], state="sent").count() == 2
    assert _sessions_created(pds) == before + 1
    stored = ChannelAccount.objects.values_list("session_encrypted", flat=True).get()
    assert stored and "accessJwt" not in stored and "did:plc" not in stored


def test_a_session_the_server_no_longer_accepts_is_replaced_by_a_new_login(
    owner: Membership, published_story: Story, bluesky_account: ChannelAccount, pds: FakePDS
) -> None:
    first = _schedule(owner, published_story, bluesky_account, "One")
    sending.dispatch_due()
    before = _sessions_created(pds)
    pds.failures["/xrpc/com.atproto.repo.createRecord"] = [401]
    second = _schedule(owner, published_story, bluesky_account, "Two")

    sending.dispatch_due()

    assert ScheduledPost.objects.filter(pk__in=[first.pk, second.pk], state="sent").count() == 2
    assert _sessions_created(pds) == before + 1


def test_disconnecting_forgets_the_bluesky_session(
    owner: Membership, published_story: Story, bluesky_account: ChannelAccount, pds: FakePDS
) -> None:
    _schedule(owner, published_story, bluesky_account, "One")
    sending.dispatch_due()
    services.disconnect_account(owner, bluesky_account)
    assert ChannelAccount.objects.values_list("session_encrypted", flat=True).get() == ""
