"""Replies moderated before the queue existed keep their state in it (migration 0006)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from groundswell import testing
from groundswell.federation.models import Interaction
from groundswell.moderation.models import ModerationItem
from groundswell.stories.services import change_state

BEFORE = [("federation", "0005_interaction_moderation")]
AFTER = [("federation", "0007_remove_interaction_state")]


@pytest.mark.django_db(transaction=True)
def test_each_public_reply_gets_an_item_with_the_state_it_had() -> None:
    alice = testing.make_user("alice@example.org", "Alice Owner")
    org = testing.make_organisation(alice, name="Alice's Campaigners", slug="alices")
    owner = testing.membership(alice, org)
    story = change_state(owner, testing.make_story(owner, title="Otters"), "publish")

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    OldInteraction = old.get_model("federation", "Interaction")
    Actor = old.get_model("federation", "RemoteActor")
    zoe = Actor.objects.create(
        uri="https://elsewhere.example/users/zoe",
        inbox="https://elsewhere.example/users/zoe/inbox",
        username="zoe",
        name="Zoe",
        domain="elsewhere.example",
        fetched_at=timezone.now(),
    )
    made = timezone.now() - timedelta(days=3)

    def reply(n: int, state: str, *, public: bool = True, kind: str = "reply") -> int:
        row = OldInteraction.objects.create(
            story_id=story.pk,
            actor=zoe,
            kind=kind,
            object_uri=f"{zoe.uri}/statuses/{n}",
            content_html=f"<p>Reply {n} &amp; more</p><p>Second line</p>",
            public=public,
            state=state,
            moderated_by_id=alice.pk if state != "pending" else None,
        )
        OldInteraction.objects.filter(pk=row.pk).update(created_at=made)
        return int(row.pk)

    pending, approved, hidden = reply(1, "pending"), reply(2, "approved"), reply(3, "hidden")
    private = reply(4, "pending", public=False)
    like = reply(5, "approved", kind="like")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)

    def item_of(pk: int) -> ModerationItem | None:
        return Interaction.objects.select_related("moderation").get(pk=pk).moderation

    got = {pk: item_of(pk) for pk in (pending, approved, hidden, private, like)}
    assert got[private] is None and got[like] is None
    assert ModerationItem.objects.count() == 3
    first, second, third = got[pending], got[approved], got[hidden]
    assert first is not None and second is not None and third is not None
    assert [first.state, second.state, third.state] == ["pending", "approved", "rejected"]
    assert first.decided_by is None and second.decided_by == alice and third.decided_by == alice
    assert "before the moderation queue" in third.reason
    assert first.text == "Reply 1 & more\nSecond line"
    assert first.kind == "fediverse.reply" and first.organisation == org
    assert first.author_key == zoe.uri and first.author_label == "Zoe (@zoe@elsewhere.example)"
    assert first.context_label == "Otters" and first.public_url == story.get_absolute_url()
    assert first.submitted_at == made
    # The guard reads them in the worker, before any moderator sees them in the queue.
    assert first.screened_at is None and not ModerationItem.objects.queue().exists()
    # And the approved one is still shown under the story.
    assert list(Interaction.objects.shown_under(story).values_list("pk", flat=True)) == [approved]
