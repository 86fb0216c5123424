"""Mastodon-shaped, Mastodon-signed activities sent to our inboxes, and every refusal."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings

from groundswell.accounts.models import Membership, Organisation
from groundswell.federation import documents
from groundswell.federation.models import (
    ActorKey,
    BlockedDomain,
    Follower,
    Interaction,
    ReceivedActivity,
    ReceivedState,
    RemoteActor,
)
from groundswell.moderation.models import ModerationItem, ModerationState
from groundswell.stories.models import Story
from groundswell.testing import ClientResponse

from .peers import MastoActor, Peer, _key, verify_signed_post

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def follow(zoe: MastoActor, org: Organisation, n: int = 1) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{zoe.uri}#follows/{n}",
        "type": "Follow",
        "actor": zoe.uri,
        "object": documents.actor_uri(org),
    }


def reply(
    zoe: MastoActor,
    story: Story,
    n: int = 1,
    *,
    to: list[str] | None = None,
    content: str = "<p>Lovely <b>river</b></p>",
) -> dict[str, Any]:
    note_id = f"{zoe.uri}/statuses/{n}"
    audience = {"to": to if to is not None else [PUBLIC], "cc": [zoe.uri + "/followers"]}
    return {
        "@context": ["https://www.w3.org/ns/activitystreams", {"ostatus": "http://ostatus.org#"}],
        "id": note_id + "/activity",
        "type": "Create",
        "actor": zoe.uri,
        "published": "2025-05-01T10:00:00Z",
        **audience,
        "object": {
            "id": note_id,
            "type": "Note",
            "summary": None,
            "inReplyTo": documents.story_uri(story),
            "published": "2025-05-01T10:00:00Z",
            "url": zoe.peer.url(f"/@zoe/{n}"),
            "attributedTo": zoe.uri,
            **audience,
            "sensitive": False,
            "content": content,
            "contentMap": {"en": content},
            "attachment": [],
            "tag": [],
        },
    }


def test_follow_is_stored_answered_202_and_accepted(
    send: Callable[..., ClientResponse],
    zoe: MastoActor,
    org: Organisation,
    peer: Peer,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = send(zoe, follow(zoe, org), path=f"/ap/actors/{org.pk}/inbox")
    assert response.status_code == 202
    assert Follower.objects.get(organisation=org).actor.uri == zoe.uri
    [accept] = peer.posts_to("/users/zoe/inbox")
    assert accept.json["type"] == "Accept"
    assert accept.json["object"]["id"] == f"{zoe.uri}#follows/1"
    assert accept.json["object"]["object"] == documents.actor_uri(org)
    key = ActorKey.objects.get(organisation=org)
    assert verify_signed_post(accept, key.public_key_pem, host=peer.host)


def test_undo_follow_removes_the_follower(
    send: Callable[..., ClientResponse], zoe: MastoActor, org: Organisation
) -> None:
    send(zoe, follow(zoe, org))
    undo = {
        "id": f"{zoe.uri}#follows/1/undo",
        "type": "Undo",
        "actor": zoe.uri,
        "object": follow(zoe, org),
    }
    assert send(zoe, undo).status_code == 202
    assert not Follower.objects.exists()


def test_likes_and_boosts_attach_to_the_story_and_undo_removes_them(
    send: Callable[..., ClientResponse], zoe: MastoActor, story: Story
) -> None:
    like = {
        "id": f"{zoe.uri}#likes/7",
        "type": "Like",
        "actor": zoe.uri,
        "object": documents.story_uri(story),
    }
    boost = {
        "id": f"{zoe.uri}/statuses/8/activity",
        "type": "Announce",
        "actor": zoe.uri,
        "published": "2025-05-01T10:00:00Z",
        "to": [PUBLIC],
        "cc": [documents.actor_uri(story.organisation)],
        "object": documents.story_uri(story),
    }
    assert send(zoe, like).status_code == 202
    assert send(zoe, boost).status_code == 202
    assert sorted(story.fediverse_interactions.values_list("kind", flat=True)) == ["boost", "like"]
    undo = {"id": f"{zoe.uri}#likes/7/undo", "type": "Undo", "actor": zoe.uri, "object": like}
    assert send(zoe, undo).status_code == 202
    assert list(story.fediverse_interactions.values_list("kind", flat=True)) == ["boost"]


def test_a_public_reply_waits_for_moderation_with_its_html_cleaned(
    send: Callable[..., ClientResponse], zoe: MastoActor, story: Story
) -> None:
    activity = reply(
        zoe, story, content='<p>Hi <script>alert(1)</script><a href="javascript:x">x</a></p>'
    )
    assert send(zoe, activity).status_code == 202
    found = Interaction.objects.get()
    assert found.kind == "reply" and found.public
    assert found.moderation is not None and found.moderation.state == ModerationState.PENDING
    assert found.moderation.language == "en"  # from the Note's contentMap
    assert found.moderation.screened_at is not None  # the guard read it in the worker
    assert "<script>" not in found.content_html and "javascript:" not in found.content_html


def test_a_followers_only_reply_is_kept_but_never_public(
    send: Callable[..., ClientResponse], zoe: MastoActor, story: Story
) -> None:
    send(zoe, reply(zoe, story, to=[zoe.uri + "/followers"]))
    assert Interaction.objects.get().public is False


def test_update_and_delete_of_a_reply(
    send: Callable[..., ClientResponse], zoe: MastoActor, story: Story
) -> None:
    send(zoe, reply(zoe, story))
    ModerationItem.objects.update(state=ModerationState.APPROVED)
    note = reply(zoe, story, content="<p>Edited</p>")["object"]
    update = {"id": note["id"] + "#updates/1", "type": "Update", "actor": zoe.uri, "object": note}
    assert send(zoe, update).status_code == 202
    found = Interaction.objects.get()
    assert found.content_html == "<p>Edited</p>"
    assert found.moderation is not None
    # Changed words need approval again.
    assert found.moderation.state == ModerationState.PENDING
    assert found.moderation.text == "Edited"
    delete = {
        "id": note["id"] + "#delete",
        "type": "Delete",
        "actor": zoe.uri,
        "object": {"id": note["id"], "type": "Tombstone", "atomUri": note["id"]},
    }
    assert send(zoe, delete).status_code == 202
    assert not Interaction.objects.exists()
    assert not ModerationItem.objects.exists()  # her words leave the queue with her reply


def test_another_actor_cannot_delete_someone_elses_reply(
    send: Callable[..., ClientResponse], zoe: MastoActor, peer: Peer, story: Story
) -> None:
    send(zoe, reply(zoe, story))
    mallory = peer.add_actor("mallory", key_index=1)
    note_id = reply(zoe, story)["object"]["id"]
    delete = {"id": mallory.uri + "#d", "type": "Delete", "actor": mallory.uri, "object": note_id}
    assert send(mallory, delete).status_code == 422
    assert Interaction.objects.exists()


def test_a_deleted_account_takes_its_follow_and_replies_along(
    send: Callable[..., ClientResponse], zoe: MastoActor, org: Organisation, story: Story
) -> None:
    send(zoe, follow(zoe, org))
    send(zoe, reply(zoe, story))
    delete = {
        "id": zoe.uri + "#delete",
        "type": "Delete",
        "actor": zoe.uri,
        "object": zoe.uri,
        "to": [PUBLIC],
    }
    assert send(zoe, delete).status_code == 202
    assert not RemoteActor.objects.exists() and not Follower.objects.exists()
    assert not Interaction.objects.exists()


def test_the_delete_of_an_account_we_never_knew_is_taken_without_a_key(
    client: Client, db: None
) -> None:
    body = json.dumps(
        {
            "id": "https://gone.example/users/x#delete",
            "type": "Delete",
            "actor": "https://gone.example/users/x",
            "object": "https://gone.example/users/x",
        }
    )
    response = client.post("/ap/inbox", data=body, content_type="application/activity+json")
    assert response.status_code == 202
    assert not ReceivedActivity.objects.exists()


def test_a_repeated_activity_is_stored_once(
    send: Callable[..., ClientResponse], zoe: MastoActor, story: Story
) -> None:
    activity = reply(zoe, story)
    assert send(zoe, activity).status_code == 202
    second = send(zoe, activity)
    assert second.status_code == 202
    assert second.json()["status"] == "already received"
    assert ReceivedActivity.objects.count() == 1
    assert Interaction.objects.count() == 1


def test_the_raw_activity_is_kept(
    send: Callable[..., ClientResponse], zoe: MastoActor, story: Story
) -> None:
    activity = reply(zoe, story)
    send(zoe, activity)
    assert ReceivedActivity.objects.get().payload == activity


# --- refusals ------------------------------------------------------------------------------


def refusal(response: ClientResponse, status: int, words: str) -> None:
    assert response.status_code == status, response.content
    assert words in response.json()["error"]


def test_unsigned_requests_are_refused(client: Client, zoe: MastoActor, org: Organisation) -> None:
    response = client.post(
        "/ap/inbox", data=json.dumps(follow(zoe, org)), content_type="application/activity+json"
    )
    refusal(response, 401, "not signed")


def discarded(response: ClientResponse, words: str) -> None:
    """The inbox could not verify it without fetching the key: 202, and the worker (run inline
    by the tests' backend) fetched the key and discarded it, saying why."""
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "accepted, to be verified"
    found = ReceivedActivity.objects.get()
    assert found.state == ReceivedState.DISCARDED
    assert words in found.error
    assert not Follower.objects.exists() and not Interaction.objects.exists()


def test_a_forged_signature_from_an_unknown_key_is_discarded_by_the_worker(
    send: Callable[..., ClientResponse], zoe: MastoActor, org: Organisation
) -> None:
    forger = _key(2)
    discarded(send(zoe, follow(zoe, org), key=forger), "does not verify")


def test_a_forged_signature_with_a_key_we_have_is_refused_at_once(
    send: Callable[..., ClientResponse], zoe: MastoActor, org: Organisation
) -> None:
    assert send(zoe, follow(zoe, org)).status_code == 202
    refusal(send(zoe, follow(zoe, org, n=2), key=_key(2)), 401, "does not verify")
    assert ReceivedActivity.objects.count() == 1


def test_a_body_changed_after_signing_is_refused(
    send: Callable[..., ClientResponse], zoe: MastoActor, org: Organisation
) -> None:
    signed_body = json.dumps(follow(zoe, org)).encode()
    other = json.dumps(follow(zoe, org, n=2)).encode()
    headers = zoe.sign(documents.site_url() + "/ap/inbox", signed_body)
    response = send(zoe, body=other, headers={"Digest": headers["Digest"]})
    refusal(response, 400, "Digest header does not match")


def test_a_stale_date_is_refused(
    send: Callable[..., ClientResponse], zoe: MastoActor, org: Organisation
) -> None:
    old = datetime.now(UTC) - timedelta(hours=13)
    refusal(send(zoe, follow(zoe, org), date=old), 401, "12 hours")


def test_a_date_from_the_future_is_refused(
    send: Callable[..., ClientResponse], zoe: MastoActor, org: Organisation
) -> None:
    refusal(
        send(zoe, follow(zoe, org), date=datetime.now(UTC) + timedelta(hours=13)), 401, "12 hours"
    )


def test_a_key_that_cannot_be_fetched_is_discarded_by_the_worker(
    send: Callable[..., ClientResponse], peer: Peer, org: Organisation
) -> None:
    ghost = peer.add_actor("ghost", key_index=1)
    del peer.documents["/users/ghost"]
    discarded(send(ghost, follow(ghost, org)), "could not be fetched")


def test_an_activity_for_another_actor_than_the_signer_is_discarded_by_the_worker(
    send: Callable[..., ClientResponse], zoe: MastoActor, peer: Peer, org: Organisation
) -> None:
    mallory = peer.add_actor("mallory", key_index=1)
    discarded(send(mallory, follow(zoe, org)), "did not sign")


def test_an_activity_for_another_actor_than_a_known_signer_is_refused_at_once(
    send: Callable[..., ClientResponse], zoe: MastoActor, peer: Peer, org: Organisation
) -> None:
    mallory = peer.add_actor("mallory", key_index=1)
    mallory_follows = follow(mallory, org)
    assert send(mallory, mallory_follows).status_code == 202  # now her key is known
    refusal(send(mallory, follow(zoe, org)), 401, "did not sign")


def test_a_missing_signed_header_is_refused(
    send: Callable[..., ClientResponse], zoe: MastoActor, org: Organisation
) -> None:
    signature = f'keyId="{zoe.key_id}",algorithm="rsa-sha256",headers="date",signature="AAAA"'
    headers = {"Signature": signature}
    refusal(send(zoe, follow(zoe, org), headers=headers), 401, "must be signed")


def test_a_malformed_signature_header_is_refused(
    send: Callable[..., ClientResponse], zoe: MastoActor, org: Organisation
) -> None:
    refusal(send(zoe, follow(zoe, org), headers={"Signature": "garbage"}), 400, "malformed")


def test_oversized_bodies_are_refused(
    send: Callable[..., ClientResponse], zoe: MastoActor, org: Organisation
) -> None:
    activity = follow(zoe, org)
    activity["padding"] = "x" * (300 * 1024)
    refusal(send(zoe, activity), 413, "at most 256 KB")


def test_bodies_that_are_not_activities_are_refused(
    send: Callable[..., ClientResponse], zoe: MastoActor
) -> None:
    refusal(send(zoe, body=b"{nope"), 400, "not JSON")
    refusal(send(zoe, body=b"[]"), 400, "not a JSON object")
    refusal(send(zoe, {"type": "Follow", "actor": zoe.uri}), 400, "id")


def test_activities_about_things_we_do_not_have_are_refused(
    send: Callable[..., ClientResponse], zoe: MastoActor, story: Story, org: Organisation
) -> None:
    missing_story = documents.site_url() + "/ap/stories/99999"
    like = {"id": zoe.uri + "#l", "type": "Like", "actor": zoe.uri, "object": missing_story}
    refusal(send(zoe, like), 404, "not one of our stories")
    stray = reply(zoe, story)
    stray["object"]["inReplyTo"] = "https://elsewhere.example/notes/1"
    refusal(send(zoe, stray), 422, "not a reply")
    follow_nobody = follow(zoe, org)
    follow_nobody["object"] = documents.site_url() + "/ap/actors/99999"
    refusal(send(zoe, follow_nobody), 404, "no such actor")
    refusal(
        send(
            zoe, {"id": zoe.uri + "#u", "type": "Undo", "actor": zoe.uri, "object": zoe.uri + "#x"}
        ),
        422,
        "nothing here to undo",
    )


def test_unsupported_types_are_refused(
    send: Callable[..., ClientResponse], zoe: MastoActor, org: Organisation
) -> None:
    flag = {
        "id": zoe.uri + "#f",
        "type": "Flag",
        "actor": zoe.uri,
        "object": documents.actor_uri(org),
    }
    refusal(send(zoe, flag), 422, "not accepted")


def test_blocked_domains_are_refused(
    send: Callable[..., ClientResponse], zoe: MastoActor, org: Organisation, settings: Settings
) -> None:
    BlockedDomain.objects.create(domain="127.0.0.1")
    refusal(send(zoe, follow(zoe, org)), 403, "does not accept")
    BlockedDomain.objects.all().delete()
    settings.FEDERATION_BLOCKED_DOMAINS = ["127.0.0.1"]
    refusal(send(zoe, follow(zoe, org)), 403, "does not accept")


def test_an_inbox_only_takes_post(client: Client, org: Organisation) -> None:
    refusal(client.get("/ap/inbox"), 405, "POST")


@pytest.mark.parametrize("path", ["/ap/inbox", "/ap/actors/{pk}/inbox"])
def test_both_inboxes_take_signed_activities(
    send: Callable[..., ClientResponse], zoe: MastoActor, org: Organisation, path: str
) -> None:
    assert send(zoe, follow(zoe, org), path=path.format(pk=org.pk)).status_code == 202


# --- found in review -----------------------------------------------------------------------


@pytest.mark.parametrize("field", ["keyId", "actor"])
def test_a_malformed_key_id_or_actor_is_refused_not_a_500(
    client: Client, zoe: MastoActor, org: Organisation, field: str
) -> None:
    from .peers import mastodon_sign

    activity = follow(zoe, org)
    key_id = zoe.key_id
    if field == "actor":
        activity["actor"] = "https://[x"
    else:
        key_id = "https://[x"
    body = json.dumps(activity).encode()
    headers = mastodon_sign(zoe.key, key_id, documents.site_url() + "/ap/inbox", body)
    content_type = headers.pop("Content-Type")
    response = client.post("/ap/inbox", data=body, content_type=content_type, headers=headers)
    assert response.status_code == 400
    assert not ReceivedActivity.objects.exists()


def test_an_activity_whose_id_is_on_another_server_than_its_actor_is_refused(
    send: Callable[..., ClientResponse], zoe: MastoActor, story: Story, other_peer: Peer
) -> None:
    like = {
        "id": other_peer.url("/likes/1"),
        "type": "Like",
        "actor": zoe.uri,
        "object": documents.story_uri(story),
    }
    refusal(send(zoe, like), 403, "not on its actor's server")
    assert not ReceivedActivity.objects.exists()


def test_a_reply_whose_note_is_on_another_server_than_its_actor_is_refused(
    send: Callable[..., ClientResponse], zoe: MastoActor, story: Story, other_peer: Peer
) -> None:
    activity = reply(zoe, story)
    activity["object"]["id"] = other_peer.url("/statuses/1")
    refusal(send(zoe, activity), 403, "not on its actor's server")
    assert not Interaction.objects.exists()


def test_a_repeated_delete_whose_target_is_gone_is_already_received(
    send: Callable[..., ClientResponse], zoe: MastoActor, story: Story
) -> None:
    send(zoe, reply(zoe, story))
    note_id = reply(zoe, story)["object"]["id"]
    delete = {"id": note_id + "#delete", "type": "Delete", "actor": zoe.uri, "object": note_id}
    assert send(zoe, delete).status_code == 202
    again = send(zoe, delete)
    assert again.status_code == 202
    assert again.json()["status"] == "already received"


def test_reactions_to_a_story_that_is_no_longer_published_are_refused(
    send: Callable[..., ClientResponse], zoe: MastoActor, story: Story, owner: Membership
) -> None:
    from groundswell.stories.services import change_state

    change_state(owner, story, "unpublish")
    like = {"id": zoe.uri + "#l", "type": "Like", "actor": zoe.uri}
    like["object"] = documents.story_uri(story)
    refusal(send(zoe, like), 404, "not one of our stories")
    refusal(send(zoe, reply(zoe, story)), 422, "not a reply")
    assert not Interaction.objects.exists()


@pytest.fixture
def other_peer() -> Iterator[Peer]:
    from .peers import Peer

    server = Peer()
    yield server
    server.stop()
