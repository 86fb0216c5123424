import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.accounts.services import update_organisation
from groundswell.audit.models import AuditEntry
from groundswell.stories.models import Story
from groundswell.stories.services import change_state, update_story
from groundswell.stories.workflow import TRANSITIONS, State


@pytest.fixture
def strict(org: Organisation, owner: Membership) -> Organisation:
    update_organisation(owner, {"approval_required": True})
    org.refresh_from_db()
    return org


def public_status(client: Client, story: Story) -> int:
    return client.get(
        reverse("stories:detail", args=[story.organisation.slug, story.slug])
    ).status_code


def test_with_approval_required_an_editor_submits_and_only_an_owner_approves(
    client: Client, strict: Organisation, owner: Membership, bob: User
) -> None:
    editor = testing.membership(bob, strict)
    story = testing.make_story(editor)
    with pytest.raises(ValidationError, match="cannot be sent"):
        change_state(editor, story, "approve")  # not yet submitted
    change_state(editor, story, "submit")
    with pytest.raises(PermissionDenied, match="Only an owner"):
        change_state(editor, story, "approve")
    with pytest.raises(PermissionDenied):
        change_state(editor, story, "publish")  # publishing unapproved work is approving it
    assert public_status(client, story) == 404
    change_state(owner, story, "approve")
    change_state(editor, story, "publish")
    story.refresh_from_db()
    assert story.state == State.PUBLISHED
    assert story.approved_by == owner.user
    assert story.approved_revision == story.revision
    assert public_status(client, story) == 200
    actions = list(
        AuditEntry.objects.filter(target_type="story")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["story.create", "story.submit", "story.approve", "story.publish"]


def test_without_approval_an_editor_publishes_directly(
    client: Client, org: Organisation, editor: Membership
) -> None:
    story = testing.make_story(editor)
    change_state(editor, story, "publish")
    story.refresh_from_db()
    assert story.state == State.PUBLISHED
    assert story.approved_by == editor.user
    assert public_status(client, story) == 200


def test_illegal_transitions_get_a_clear_message_and_change_nothing(
    client: Client, org: Organisation, alice: User, owner: Membership
) -> None:
    story = testing.make_story(owner)
    client.force_login(alice)
    url = reverse("stories:staff_transition", args=[org.slug, story.pk])
    response = client.post(url, {"action": "unpublish"}, follow=True)
    assert "A story that is draft cannot be sent to “unpublish”." in response.content.decode()
    response = client.post(url, {"action": "explode"}, follow=True)
    assert "cannot be sent to “explode”" in response.content.decode()
    story.refresh_from_db()
    assert story.state == State.DRAFT


def test_editing_after_submission_sends_the_story_back_to_draft(
    strict: Organisation, owner: Membership, bob: User
) -> None:
    editor = testing.membership(bob, strict)
    story = testing.make_story(editor)
    change_state(editor, story, "submit")
    change_state(owner, story, "approve")
    update_story(editor, story, {"body": "A sneaky change after approval."})
    story.refresh_from_db()
    assert story.state == State.DRAFT
    assert "submit it again" in story.review_note
    with pytest.raises(PermissionDenied):
        change_state(editor, story, "publish")


def test_an_editor_cannot_change_a_published_story_when_approval_is_required(
    strict: Organisation, owner: Membership, bob: User
) -> None:
    editor = testing.membership(bob, strict)
    story = testing.make_story(editor)
    change_state(owner, story, "publish")
    with pytest.raises(PermissionDenied, match="changes need an owner's approval"):
        update_story(editor, story, {"title": "Changed"})
    story.refresh_from_db()
    assert story.title == "The river at dawn"
    update_story(owner, story, {"title": "Changed by the owner"})
    story.refresh_from_db()
    assert story.state == State.PUBLISHED
    assert story.title == "Changed by the owner"


def test_every_content_edit_is_kept_as_a_revision(
    client: Client, org: Organisation, alice: User, owner: Membership
) -> None:
    story = testing.make_story(owner)
    update_story(owner, story, {"body": "Second version"})
    update_story(owner, story, {"title": "Third title"})
    update_story(owner, story, {"language": "fr"})  # not content: no new revision
    story.refresh_from_db()
    assert story.revision == 3
    assert list(story.revisions.values_list("number", "title")) == [
        (3, "Third title"),
        (2, "The river at dawn"),
        (1, "The river at dawn"),
    ]
    client.force_login(alice)
    page = client.get(reverse("stories:staff_revisions", args=[org.slug, story.pk]))
    assert "Revision 2 by Alice Owner" in page.content.decode()


def test_unpublish_takes_the_story_off_the_public_site(
    client: Client, org: Organisation, owner: Membership
) -> None:
    story = testing.make_story(owner)
    change_state(owner, story, "publish")
    change_state(owner, story, "unpublish")
    assert public_status(client, story) == 404
    change_state(owner, story, "publish")
    assert public_status(client, story) == 200


def test_the_transition_table_only_names_real_states() -> None:
    for transition in TRANSITIONS:
        assert transition.target in State.values
        assert transition.sources <= set(State.values)


def test_a_stale_transition_is_refused(org: Organisation, owner: Membership) -> None:
    story = testing.make_story(owner)
    stale = Story.objects.get(pk=story.pk)
    change_state(owner, story, "submit")
    with pytest.raises(ValidationError, match="Someone else changed this story"):
        change_state(owner, stale, "submit")


def test_image_changes_by_an_editor_withdraw_approval_like_text_changes(
    strict: Organisation, owner: Membership, bob: User
) -> None:
    from groundswell.lib.images import process_image
    from groundswell.stories.services import add_image, set_cover

    editor = testing.membership(bob, strict)
    story = testing.make_story(editor)
    first = add_image(editor, story, process_image(io.BytesIO(testing.image_bytes())), alt_text="a")
    change_state(editor, story, "submit")
    change_state(owner, story, "approve")
    add_image(editor, story, process_image(io.BytesIO(testing.image_bytes())), alt_text="b")
    story.refresh_from_db()
    assert story.state == State.DRAFT
    change_state(owner, story, "publish")
    with pytest.raises(PermissionDenied, match="changes need an owner's approval"):
        add_image(editor, story, process_image(io.BytesIO(testing.image_bytes())), alt_text="c")
    second = story.images.exclude(pk=first.pk).get()
    with pytest.raises(PermissionDenied):
        set_cover(editor, story, second)
    story.refresh_from_db()
    assert story.state == State.PUBLISHED
    assert story.cover == first
    assert story.images.count() == 2


def test_publishing_editing_and_image_changes_go_out_to_the_fediverse(
    org: Organisation, owner: Membership
) -> None:
    from groundswell.federation.models import OutboxActivity
    from groundswell.lib.images import process_image
    from groundswell.stories.services import add_image

    story = testing.make_story(owner)
    update_story(owner, story, {"title": "Draft edits stay at home"})
    assert not OutboxActivity.objects.exists()
    change_state(owner, story, "publish")
    update_story(owner, story, {"title": "Now it travels"})
    add_image(owner, story, process_image(io.BytesIO(testing.image_bytes())), alt_text="a")
    change_state(owner, story, "unpublish")
    kinds = list(OutboxActivity.objects.order_by("id").values_list("type", flat=True))
    assert kinds == ["Create", "Update", "Update", "Delete"]
