"""Making outbound activities: each is a row whose JSON is fixed now and sent out by a task.

Callers may be inside a transaction: the row is written with it, and the fan-out task is
enqueued only once it commits (a rolled-back publish sends nothing). If the enqueue is lost,
the periodic sweep finds the row still `pending` and sends it.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.utils import timezone
from django.utils.html import escape

from groundswell.accounts.models import Organisation, require_public
from groundswell.lib.html import render_markdown
from groundswell.stories.models import Story

from . import documents
from .models import OutboxActivity, RemoteActor


def _enqueue_fan_out(activity: OutboxActivity) -> None:
    # Imported here: tasks.py imports processing, which queues through this module.
    from .tasks import queue_fan_out

    queue_fan_out(activity.pk)


def _queue(
    organisation: Organisation,
    kind: str,
    obj: Any,
    *,
    story: Story | None = None,
    targets: list[str] | None = None,
    activity_uuid: uuid.UUID | None = None,
    **extra: Any,
) -> OutboxActivity:
    # Nothing of an organisation still waiting for an operator reaches the fediverse.
    require_public(organisation)
    activity_uuid = activity_uuid or uuid.uuid4()
    payload = documents.wrap(kind, activity_uuid, organisation, obj, **extra)
    activity = OutboxActivity.objects.create(
        organisation=organisation,
        story=story,
        uuid=activity_uuid,
        type=kind,
        payload=payload,
        targets=targets or [],
    )
    _enqueue_fan_out(activity)
    return activity


def _fresh(story: Story) -> Story:
    return Story.objects.select_related("organisation").get(pk=story.pk)


def _audience(organisation: Organisation) -> dict[str, Any]:
    return {"to": [documents.PUBLIC], "cc": [documents.followers_uri(organisation)]}


def queue_story(story: Story, kind: str) -> OutboxActivity:
    """Create, Update or Delete of a story, to the organisation's followers."""
    story = _fresh(story)
    organisation = story.organisation
    if kind == "Delete":
        obj: dict[str, Any] = documents.tombstone(story)
    else:
        obj = documents.story_object(story)
    moment = documents.when(timezone.now())
    extra = _audience(organisation)
    if kind == "Update":
        # Mastodon applies an edit only when `updated` is newer than what it holds.
        obj["updated"] = moment
        extra["published"] = moment
    elif kind == "Create":
        extra["published"] = obj.get("published", moment)
    return _queue(organisation, kind, obj, story=story, **extra)


def queue_accept(
    organisation: Organisation, follower: RemoteActor, follow: dict[str, Any]
) -> OutboxActivity:
    # The Follow is embedded whole: some servers match the Accept by the Follow's id, others
    # by its actor and object, and Mastodon takes either.
    embedded = {
        "id": follow["id"],
        "type": "Follow",
        "actor": follower.uri,
        "object": documents.actor_uri(organisation),
    }
    return _queue(organisation, "Accept", embedded, targets=[follower.inbox])


def queue_follow(organisation: Organisation, target: RemoteActor) -> OutboxActivity:
    return _queue(organisation, "Follow", target.uri, targets=[target.inbox])


def queue_note(
    organisation: Organisation, in_reply_to: str, author: RemoteActor, text: str
) -> OutboxActivity:
    """A public reply to `in_reply_to` (by `author`), delivered to the author's own inbox."""
    activity_uuid = uuid.uuid4()
    mention = f"@{author.username}@{author.domain}" if author.username else author.uri
    body = render_markdown(text)
    profile = author.url or author.uri
    content = (
        f'<p><span class="h-card"><a href="{escape(profile)}" class="u-url mention">'
        f"{escape(mention)}</a></span></p>{body}"
    )
    audience: dict[str, Any] = {
        "to": [documents.PUBLIC],
        "cc": [documents.followers_uri(organisation), author.uri],
    }
    note = {
        "id": documents.note_uri(activity_uuid),
        "type": "Note",
        "attributedTo": documents.actor_uri(organisation),
        "inReplyTo": in_reply_to,
        "content": content,
        "published": documents.when(timezone.now()),
        "tag": [{"type": "Mention", "href": author.uri, "name": mention}],
        **audience,
    }
    return _queue(
        organisation,
        "Create",
        note,
        targets=[author.inbox],
        activity_uuid=activity_uuid,
        published=note["published"],
        to=audience["to"],
        cc=audience["cc"],
    )
