"""What the inbox hears about an organisation becomes a listening signal: replies (linked to
their moderation item, words not copied), mentions, boosts and quotes; a Delete or an Undo
upstream deletes the signal here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

from groundswell.accounts.models import Membership
from groundswell.federation import documents, signal_replies, tasks
from groundswell.federation.models import Delivery, DeliveryState, Interaction
from groundswell.listening import services as listening
from groundswell.listening.models import ReplyState, Signal, SignalSource
from groundswell.listening.replies import retry_reply
from groundswell.moderation.models import ModerationItem
from groundswell.stories.models import Story
from groundswell.testing import ClientResponse

from .peers import MastoActor

pytestmark = pytest.mark.django_db
Send = Callable[..., ClientResponse]


def create(zoe: MastoActor, n: int, **note: Any) -> dict[str, Any]:
    return {
        "id": f"{zoe.uri}/statuses/{n}/activity",
        "type": "Create",
        "actor": zoe.uri,
        "to": [documents.PUBLIC],
        "object": {
            "id": f"{zoe.uri}/statuses/{n}",
            "type": "Note",
            "attributedTo": zoe.uri,
            "to": [documents.PUBLIC],
            "url": f"{zoe.uri}/statuses/{n}",
            "content": "<p>Count me in for the clean rivers march!</p>",
            "contentMap": {"en": "<p>Count me in for the clean rivers march!</p>"},
            **note,
        },
    }


def delete(zoe: MastoActor, n: int) -> dict[str, Any]:
    return {
        "id": f"{zoe.uri}/statuses/{n}#delete",
        "type": "Delete",
        "actor": zoe.uri,
        "object": {"id": f"{zoe.uri}/statuses/{n}", "type": "Tombstone"},
    }


def test_a_reply_is_a_signal_that_links_to_its_moderation_item(
    send: Send, zoe: MastoActor, story: Story
) -> None:
    assert send(zoe, create(zoe, 1, inReplyTo=documents.story_uri(story))).status_code == 202

    signal = Signal.objects.get()
    item = ModerationItem.objects.get()
    assert (signal.source, signal.moderation, signal.organisation) == (
        SignalSource.REPLY,
        item,
        story.organisation,
    )
    # The words live in the moderation item alone.
    assert (signal.text, signal.content_html) == ("", "")
    assert signal.words == item.text == "Count me in for the clean rivers march!"
    assert (signal.author_key, signal.language) == (zoe.uri, "en")

    assert send(zoe, delete(zoe, 1)).status_code == 202
    assert not Signal.objects.exists() and not Interaction.objects.exists()


def test_a_mention_of_the_organisation_is_heard_and_deleted_with_its_post(
    send: Send, zoe: MastoActor, story: Story
) -> None:
    actor = documents.actor_uri(story.organisation)
    mention = create(
        zoe,
        2,
        cc=[actor],
        tag=[{"type": "Mention", "href": actor, "name": "@alices"}],
        content='<p><a href="x">@alices</a> when is the march? <script>x()</script></p>',
    )

    assert send(zoe, mention).status_code == 202

    signal = Signal.objects.get()
    assert signal.source == SignalSource.MENTION and signal.moderation is None
    assert "when is the march?" in signal.text and "script" not in signal.content_html
    assert send(zoe, delete(zoe, 2)).status_code == 202
    assert not Signal.objects.exists()


def test_a_quote_of_a_story_is_heard_with_the_story_campaign(
    send: Send, zoe: MastoActor, story: Story
) -> None:
    quote = create(zoe, 3, quote=documents.story_uri(story), content="<p>Read this</p>")

    assert send(zoe, quote).status_code == 202

    signal = Signal.objects.get()
    assert (signal.source, signal.campaign_id) == (SignalSource.QUOTE, story.campaign_id)


def test_a_boost_is_heard_and_its_undo_forgets_it(
    send: Send, zoe: MastoActor, story: Story
) -> None:
    boost = {
        "id": f"{zoe.uri}/statuses/9/activity",
        "type": "Announce",
        "actor": zoe.uri,
        "object": documents.story_uri(story),
        "to": [documents.PUBLIC],
    }
    assert send(zoe, boost).status_code == 202
    assert Signal.objects.get().source == SignalSource.BOOST

    undo = {"id": f"{zoe.uri}#undo-9", "type": "Undo", "actor": zoe.uri, "object": boost}
    assert send(zoe, undo).status_code == 202
    assert not Signal.objects.exists()


def test_a_post_that_neither_replies_quotes_nor_mentions_us_is_refused(
    send: Send, zoe: MastoActor, story: Story
) -> None:
    response = send(zoe, create(zoe, 4))

    assert response.status_code == 422
    assert not Signal.objects.exists()


def test_a_mention_someone_else_deletes_is_not_theirs_to_delete(
    send: Send, zoe: MastoActor, peer: Any, story: Story
) -> None:
    actor = documents.actor_uri(story.organisation)
    send(zoe, create(zoe, 5, tag=[{"type": "Mention", "href": actor}]))
    mallory = peer.add_actor("mallory", key_index=1)
    forged = {
        "id": f"{mallory.uri}#delete",
        "type": "Delete",
        "actor": mallory.uri,
        "object": f"{zoe.uri}/statuses/5",
    }

    assert send(mallory, forged).status_code >= 400
    assert Signal.objects.count() == 1


def test_a_reply_written_on_the_triage_board_reaches_the_authors_inbox(
    send: Send,
    zoe: MastoActor,
    story: Story,
    owner: Membership,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    actor = documents.actor_uri(story.organisation)
    mention = create(zoe, 4, cc=[actor], tag=[{"type": "Mention", "href": actor}])
    assert send(zoe, mention).status_code == 202
    signal = Signal.objects.get()
    zoe.peer.received.clear()

    answer = listening.reply(owner, signal, "The march starts at noon, see you there!")
    assert answer.state == ReplyState.QUEUED
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep()["replies"] == 1  # the test backend runs the sending at once

    answer.refresh_from_db()
    assert answer.state == ReplyState.SENT and answer.note_uri
    [delivered] = [r for r in zoe.peer.received if r.path == "/inbox" or r.path.endswith("/inbox")]
    note = delivered.json["object"]
    assert (delivered.json["type"], note["inReplyTo"]) == ("Create", f"{zoe.uri}/statuses/4")
    assert "The march starts at noon" in note["content"]
    assert note["attributedTo"] == actor
    assert tasks.sweep()["replies"] == 0  # sent once


def test_a_reply_to_an_author_that_cannot_be_found_fails_with_the_reason(
    owner: Membership, story: Story
) -> None:
    signal = Signal.objects.create(
        organisation=owner.organisation,
        source=SignalSource.HASHTAG,
        external_id="ftp://127.0.0.1/statuses/1",  # not an address federation fetches
        author_handle="@gone@127.0.0.1",
    )
    answer = listening.reply(owner, signal, "Thanks for sharing this")

    assert signal_replies.send(answer.pk) == "failed"
    answer.refresh_from_db()
    assert answer.state == ReplyState.FAILED
    assert answer.error.startswith("The post's author could not be found")


def test_a_reply_the_authors_server_refuses_fails_and_goes_out_again_when_tried_again(
    send: Send,
    zoe: MastoActor,
    story: Story,
    owner: Membership,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    actor = documents.actor_uri(story.organisation)
    mention = create(zoe, 6, cc=[actor], tag=[{"type": "Mention", "href": actor}])
    assert send(zoe, mention).status_code == 202
    answer = listening.reply(owner, Signal.objects.get(), "See you at the bridge at noon!")
    zoe.peer.status = 403  # the server is up and says no: given up at once, no retries
    with django_capture_on_commit_callbacks(execute=True):
        tasks.sweep()
    answer.refresh_from_db()
    assert answer.state == ReplyState.SENT  # the Note was queued; its delivery gave up
    assert Delivery.objects.get(activity__type="Create").state == DeliveryState.GIVEN_UP

    assert tasks.sweep()["failed_replies"] == 1
    answer.refresh_from_db()
    assert answer.state == ReplyState.FAILED
    assert answer.error == "The author's server did not take it: the inbox answered 403"
    assert tasks.sweep()["failed_replies"] == 0

    zoe.peer.status = 202
    zoe.peer.received.clear()
    retry_reply(owner, answer)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep()["replies"] == 1
    answer.refresh_from_db()
    assert answer.state == ReplyState.SENT and answer.error == ""
    [delivered] = [r for r in zoe.peer.received if r.path.endswith("/inbox")]
    assert delivered.json["object"]["id"] == answer.note_uri
    assert tasks.sweep()["failed_replies"] == 0
