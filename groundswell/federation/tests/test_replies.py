"""Replies come home: moderated by owners and moderators, shown only once approved and public."""

from __future__ import annotations

import pytest
from django.test import Client
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.federation.models import Interaction, InteractionState, RemoteActor
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
    return Interaction.objects.create(
        story=story,
        actor=actor,
        kind="reply",
        object_uri=f"{actor.uri}/statuses/{n}",
        content_html=content,
        public=public,
    )


def test_a_reply_shows_under_the_story_only_after_approval(
    client: Client, alice: User, story: Story, remote_zoe: RemoteActor
) -> None:
    item = make_reply(story, remote_zoe)
    page = story.get_absolute_url()
    assert "Go rivers!" not in client.get(page).content.decode()
    client.force_login(alice)
    response = client.post(f"/staff/alices/federation/inbox/{item.pk}/approve/")
    assert response.status_code == 302
    client.logout()
    html = client.get(page).content.decode()
    assert "Go rivers!" in html and "@zoe@127.0.0.1" in html


def test_a_hidden_reply_stays_off_the_page(
    client: Client, alice: User, story: Story, remote_zoe: RemoteActor
) -> None:
    item = make_reply(story, remote_zoe)
    Interaction.objects.filter(pk=item.pk).update(state=InteractionState.APPROVED)
    client.force_login(alice)
    client.post(f"/staff/alices/federation/inbox/{item.pk}/hide/")
    client.logout()
    assert "Go rivers!" not in client.get(story.get_absolute_url()).content.decode()


def test_a_reply_that_was_not_public_cannot_be_approved(
    client: Client, alice: User, story: Story, remote_zoe: RemoteActor
) -> None:
    item = make_reply(story, remote_zoe, public=False)
    client.force_login(alice)
    response = client.post(f"/staff/alices/federation/inbox/{item.pk}/approve/", follow=True)
    assert "did not make this reply public" in response.content.decode()
    item.refresh_from_db()
    assert item.state == InteractionState.PENDING


def test_a_moderator_may_approve_but_an_editor_may_not(
    client: Client, org: Organisation, bob: User, story: Story, remote_zoe: RemoteActor
) -> None:
    item = make_reply(story, remote_zoe)
    client.force_login(bob)
    assert client.post(f"/staff/alices/federation/inbox/{item.pk}/approve/").status_code == 403
    mo = testing.make_user("mo@example.org", "Mo Moderator")
    testing.add_member(org, mo, "moderator")
    client.force_login(mo)
    client.post(f"/staff/alices/federation/inbox/{item.pk}/approve/")
    item.refresh_from_db()
    assert item.state == InteractionState.APPROVED


def test_another_organisation_cannot_touch_our_replies(
    client: Client, charlie: User, story: Story, remote_zoe: RemoteActor
) -> None:
    item = make_reply(story, remote_zoe)
    client.force_login(charlie)
    assert client.post(f"/staff/charlies/federation/inbox/{item.pk}/approve/").status_code == 404


def test_the_moderated_inbox_lists_pending_replies(
    client: Client, alice: User, story: Story, remote_zoe: RemoteActor
) -> None:
    make_reply(story, remote_zoe, content="<p>Waiting here</p>")
    client.force_login(alice)
    assert "Waiting here" in client.get("/staff/alices/federation/inbox/").content.decode()


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
