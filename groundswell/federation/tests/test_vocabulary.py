from __future__ import annotations

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.federation import documents
from groundswell.federation.vocabulary import object_id, our_story
from groundswell.stories.models import Story
from groundswell.stories.services import change_state


def test_object_id_reads_an_embedded_object_a_bare_address_or_nothing() -> None:
    assert object_id({"id": "https://peer.example/notes/1", "type": "Note"}) == (
        "https://peer.example/notes/1"
    )
    assert object_id("https://peer.example/users/zoe") == "https://peer.example/users/zoe"
    assert object_id({"type": "Note"}) == ""
    assert object_id({"id": 7}) == ""
    assert object_id(["https://peer.example/notes/1"]) == ""
    assert object_id(None) == ""


def test_our_story_finds_only_published_stories_at_our_own_addresses(
    owner: Membership, story: Story
) -> None:
    assert our_story(documents.story_uri(story)) == story
    draft = testing.make_story(owner, title="Not yet", slug="not-yet")
    assert our_story(documents.story_uri(draft)) is None
    change_state(owner, story, "unpublish")
    assert our_story(documents.story_uri(story)) is None
    assert our_story("https://peer.example/stories/1/") is None
    assert our_story("") is None
