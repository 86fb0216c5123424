"""Where an organisation requires approval, editors cannot move or take down approved work."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.accounts.services import update_organisation
from groundswell.audit.models import AuditEntry
from groundswell.stories.models import Story
from groundswell.stories.services import change_state, update_story
from groundswell.stories.workflow import State, available


@pytest.fixture
def strict(org: Organisation, owner: Membership) -> Organisation:
    update_organisation(owner, {"approval_required": True})
    org.refresh_from_db()
    return org


@pytest.fixture
def published(strict: Organisation, owner: Membership, bob: User) -> Story:
    story = testing.make_story(testing.membership(bob, strict))
    change_state(owner, story, "publish")
    return story


def audit_actions(story: Story) -> list[str]:
    return list(
        AuditEntry.objects.filter(target_type="story", target_id=str(story.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_an_editor_cannot_change_a_published_storys_address(
    client: Client, strict: Organisation, published: Story, bob: User
) -> None:
    editor = testing.membership(bob, strict)
    with pytest.raises(PermissionDenied, match="Only an owner can change it"):
        update_story(editor, published, {"slug": "somewhere-else"})
    client.force_login(bob)
    data = {
        "title": published.title,
        "slug": "somewhere-else",
        "summary": published.summary,
        "body": published.body,
        "language": "en",
        "save": "1",
    }
    response = client.post(reverse("stories:staff_edit", args=[strict.slug, published.pk]), data)
    assert response.status_code == 403
    assert "Only an owner can change it" in response.content.decode()
    published.refresh_from_db()
    assert published.slug == "river-at-dawn"
    assert (
        client.get(reverse("stories:detail", args=[strict.slug, "river-at-dawn"])).status_code
        == 200
    )
    assert "story.update" not in audit_actions(published)


def test_an_owner_can_change_a_published_storys_address_and_it_is_audited(
    strict: Organisation, published: Story, owner: Membership
) -> None:
    update_story(owner, published, {"slug": "river-at-first-light"})
    published.refresh_from_db()
    assert published.slug == "river-at-first-light" and published.state == State.PUBLISHED
    entry = AuditEntry.objects.filter(action="story.update", target_id=str(published.pk)).get()
    assert entry.changes["slug"] == ["river-at-dawn", "river-at-first-light"]


def test_an_editor_cannot_unpublish_when_approval_is_required(
    client: Client, strict: Organisation, published: Story, bob: User
) -> None:
    editor = testing.membership(bob, strict)
    with pytest.raises(PermissionDenied, match="only an owner can take approved or published"):
        change_state(editor, published, "unpublish")
    assert "unpublish" not in [t.name for t in available(published.state, editor.can)]
    client.force_login(bob)
    response = client.post(
        reverse("stories:staff_transition", args=[strict.slug, published.pk]),
        {"action": "unpublish"},
    )
    assert response.status_code == 403
    assert "Ask an owner" in response.content.decode()
    assert Story.objects.get(pk=published.pk).state == State.PUBLISHED
    assert "story.unpublish" not in audit_actions(published)


def test_an_editor_cannot_return_approved_work_to_draft(
    strict: Organisation, owner: Membership, bob: User
) -> None:
    editor = testing.membership(bob, strict)
    story = testing.make_story(editor)
    change_state(editor, story, "submit")
    change_state(owner, story, "approve")
    with pytest.raises(PermissionDenied, match="Ask an owner"):
        change_state(editor, story, "return")
    assert Story.objects.get(pk=story.pk).state == State.APPROVED


def test_an_editor_may_still_withdraw_their_own_submission(strict: Organisation, bob: User) -> None:
    editor = testing.membership(bob, strict)
    story = testing.make_story(editor)
    change_state(editor, story, "submit")
    change_state(editor, story, "return")
    assert Story.objects.get(pk=story.pk).state == State.DRAFT


def test_an_owner_takes_content_down_and_it_is_audited(
    strict: Organisation, published: Story, owner: Membership
) -> None:
    change_state(owner, published, "unpublish")
    assert Story.objects.get(pk=published.pk).state == State.UNPUBLISHED
    assert audit_actions(published)[-1] == "story.unpublish"


def test_without_an_approval_step_editors_still_unpublish_and_rename(
    org: Organisation, editor: Membership
) -> None:
    story = testing.make_story(editor)
    change_state(editor, story, "publish")
    update_story(editor, story, {"slug": "renamed"})
    change_state(editor, story, "unpublish")
    story.refresh_from_db()
    assert (story.slug, story.state) == ("renamed", State.UNPUBLISHED)
