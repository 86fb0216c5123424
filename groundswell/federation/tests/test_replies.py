"""Replies come home: decided in the moderation queue, shown only once approved and public."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.federation import moderated
from groundswell.federation.models import Interaction, RemoteActor
from groundswell.moderation.models import ModerationItem, ModerationState
from groundswell.stories.models import Story

from .peers import MastoActor


def make_reply(
    story: Story,
    actor: RemoteActor,
    *,
    public: bool = True,
    content: str = "<p>Go rivers!</p>",
    n: int = 1,
) -> Interaction:
    """A reply as inbound processing leaves it: stored, and (if public) queued."""
    with transaction.atomic():
        reply = Interaction.objects.create(
            story=story,
            actor=actor,
            kind="reply",
            object_uri=f"{actor.uri}/statuses/{n}",
            content_html=content,
            public=public,
        )
        moderated.queue_reply(reply, "en")
    return reply


def decide(client: Client, item: Interaction, verb: str, **data: str) -> int:
    assert item.moderation_id is not None
    url = f"/staff/alices/moderation/{item.moderation_id}/{verb}/"
    return client.post(url, data).status_code


def state_of(item: Interaction) -> str:
    assert item.moderation_id is not None
    return ModerationItem.objects.get(pk=item.moderation_id).state


def test_a_reply_shows_under_the_story_only_after_approval(
    client: Client, alice: User, story: Story, remote_zoe: RemoteActor
) -> None:
    item = make_reply(story, remote_zoe)
    page = story.get_absolute_url()
    assert "Go rivers!" not in client.get(page).content.decode()
    client.force_login(alice)
    assert decide(client, item, "approve") == 302
    client.logout()
    html = client.get(page).content.decode()
    assert "Go rivers!" in html and "@zoe@127.0.0.1" in html


def test_a_rejected_reply_stays_off_the_page(
    client: Client, alice: User, story: Story, remote_zoe: RemoteActor
) -> None:
    item = make_reply(story, remote_zoe)
    ModerationItem.objects.filter(fediverse_interaction=item).update(state=ModerationState.APPROVED)
    assert "Go rivers!" in client.get(story.get_absolute_url()).content.decode()
    client.force_login(alice)
    assert decide(client, item, "reject", reason="Off topic") == 302
    client.logout()
    assert "Go rivers!" not in client.get(story.get_absolute_url()).content.decode()


def test_a_reply_that_was_not_public_is_not_queued_and_cannot_be_approved(
    client: Client, alice: User, story: Story, remote_zoe: RemoteActor
) -> None:
    private = make_reply(story, remote_zoe, public=False)
    assert private.moderation_id is None and not ModerationItem.objects.exists()
    # Made private after it was queued: the queue refuses to show it.
    item = make_reply(story, remote_zoe, n=2)
    Interaction.objects.filter(pk=item.pk).update(public=False)
    client.force_login(alice)
    response = client.post(f"/staff/alices/moderation/{item.moderation_id}/approve/")
    assert response.status_code == 400
    assert "did not make this reply public" in response.content.decode()
    assert state_of(item) == ModerationState.PENDING


def test_a_moderator_may_approve_but_an_editor_may_not(
    client: Client, org: Organisation, bob: User, story: Story, remote_zoe: RemoteActor
) -> None:
    item = make_reply(story, remote_zoe)
    client.force_login(bob)
    assert decide(client, item, "approve") == 403
    assert state_of(item) == ModerationState.PENDING
    mo = testing.make_user("mo@example.org", "Mo Moderator")
    testing.add_member(org, mo, "moderator")
    client.force_login(mo)
    assert decide(client, item, "approve") == 302
    assert state_of(item) == ModerationState.APPROVED


def test_another_organisation_cannot_touch_our_replies(
    client: Client, charlie: User, story: Story, remote_zoe: RemoteActor
) -> None:
    item = make_reply(story, remote_zoe)
    client.force_login(charlie)
    url = f"/staff/charlies/moderation/{item.moderation_id}/approve/"
    assert client.post(url).status_code == 404
    assert state_of(item) == ModerationState.PENDING


def test_the_inbox_and_the_queue_list_pending_replies(
    client: Client, alice: User, story: Story, remote_zoe: RemoteActor
) -> None:
    make_reply(story, remote_zoe, content="<p>Waiting here</p>")
    client.force_login(alice)
    inbox = client.get("/staff/alices/federation/inbox/").content.decode()
    assert "Waiting here" in inbox and "Waiting for a decision" in inbox
    assert "Waiting here" in client.get("/staff/alices/moderation/").content.decode()


def test_staff_reply_sends_a_note_to_the_authors_inbox(
    client: Client,
    alice: User,
    story: Story,
    remote_zoe: RemoteActor,
    zoe: MastoActor,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    item = make_reply(story, remote_zoe)
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/staff/alices/federation/inbox/{item.pk}/reply/", {"text": "Thank *you*!"})
    [sent] = zoe.peer.posts_to("/users/zoe/inbox")
    note = sent.json["object"]
    assert sent.json["type"] == "Create" and note["type"] == "Note"
    assert note["inReplyTo"] == item.object_uri
    assert "<em>you</em>" in note["content"]
    assert note["tag"][0]["href"] == zoe.uri
    fetched = client.get(note["id"].split("127.0.0.1:8000")[1]).json()
    assert fetched["id"] == note["id"]


def test_an_empty_staff_reply_is_refused_with_a_message(
    client: Client, alice: User, story: Story, remote_zoe: RemoteActor
) -> None:
    item = make_reply(story, remote_zoe)
    client.force_login(alice)
    response = client.post(
        f"/staff/alices/federation/inbox/{item.pk}/reply/", {"text": "  "}, follow=True
    )
    assert "Write something to reply." in response.content.decode()


def test_staff_may_answer_only_public_replies(
    story: Story, owner: Membership, remote_zoe: RemoteActor
) -> None:
    from django.core.exceptions import ValidationError

    from groundswell.federation import services
    from groundswell.federation.models import OutboxActivity

    like = Interaction.objects.create(
        story=story, actor=remote_zoe, kind="like", object_uri=remote_zoe.uri + "#likes/1"
    )
    private = make_reply(story, remote_zoe, public=False, n=2)
    for item in (like, private):
        with pytest.raises(ValidationError):
            services.reply(owner, item, "Thanks!")
    assert not OutboxActivity.objects.filter(type="Create", story=None).exists()
    services.reply(owner, make_reply(story, remote_zoe, n=3), "Thanks!")
    assert OutboxActivity.objects.filter(type="Create", story=None).count() == 1


def test_a_shown_reply_has_a_report_link_that_takes_it_down(
    client: Client, owner: Membership, story: Story, remote_zoe: RemoteActor
) -> None:
    from groundswell.moderation import services as moderation

    item = make_reply(story, remote_zoe, content="<p>Go rivers!</p>")
    assert item.moderation is not None
    moderation.approve(owner, item.moderation)
    page = story.get_absolute_url()
    html = client.get(page).content.decode()
    link = f'href="/o/alices/report/{item.moderation_id}/"'
    assert "Go rivers!" in html and link in html and 'lang="en"' in html
    response = client.post(f"/o/alices/report/{item.moderation_id}/", {"reason": "Abusive"})
    assert response.status_code == 302
    assert "Go rivers!" not in client.get(page).content.decode()
    assert state_of(item) == ModerationState.PENDING


def test_the_language_a_reply_declares_is_kept() -> None:
    note = {"content": "<p>नमस्ते</p>", "contentMap": {"hi": "<p>नमस्ते</p>"}}
    assert moderated.language_of(note) == "hi"
    two = {"content": "<p>Hello</p>", "contentMap": {"fr": "<p>Salut</p>", "en": "<p>Hello</p>"}}
    assert moderated.language_of(two) == "en"
    assert moderated.language_of({"language": "pt-BR"}) == "pt-BR"
    context = {"@context": ["https://www.w3.org/ns/activitystreams", {"@language": "de"}]}
    assert moderated.language_of({}, context) == "de"
    odd: dict[str, Any]
    for odd in ({}, {"contentMap": {"<script>": "x"}}, {"language": 7}, {"contentMap": []}):
        assert moderated.language_of(odd) == ""


def test_a_flagged_reply_reaches_the_story_page_only_through_an_override(
    client: Client, owner: Membership, story: Story, remote_zoe: RemoteActor
) -> None:
    from groundswell.moderation import services as moderation
    from groundswell.safety.models import SafetyOverride

    moderator = testing.make_user("mo-derator@example.org", "A moderator")
    testing.add_member(owner.organisation, moderator, "moderator")
    item = make_reply(story, remote_zoe, content="<p>Ring Dana on 07700 900123</p>")
    page = story.get_absolute_url()
    client.force_login(moderator)
    assert decide(client, item, "approve") == 400
    client.logout()
    assert state_of(item) == ModerationState.PENDING
    assert "07700 900123" not in client.get(page).content.decode()
    assert item.moderation is not None
    moderation.approve(owner, item.moderation, safety_reason="Dana's own public office line.")
    assert SafetyOverride.objects.filter(kind="moderation").count() == 1
    assert "07700 900123" in client.get(page).content.decode()
