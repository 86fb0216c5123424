"""Who may decide on and answer fediverse replies: one PERMISSIONS table, 403 or 404 as due."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.federation import services
from groundswell.federation.access import access_interaction
from groundswell.federation.models import Interaction, OutboxActivity, RemoteActor
from groundswell.moderation import services as moderation
from groundswell.moderation.models import ModerationItem, ModerationState
from groundswell.stories.models import Story

from .test_replies import make_reply

# Deciding is the moderation queue's (keyed by the item), answering is federation's.
MODERATE = "/staff/{org}/moderation/{item}/approve/"
HIDE = "/staff/{org}/moderation/{item}/reject/"
REPLY = "/staff/{org}/federation/inbox/{pk}/reply/"


@pytest.fixture
def with_role(org: Organisation) -> Callable[[str], User]:
    def make(role: str) -> User:
        user = testing.make_user(f"{role}-person@example.org", f"A {role}")
        testing.add_member(org, user, role)
        return user

    return make


@pytest.fixture
def item(story: Story, remote_zoe: RemoteActor) -> Interaction:
    return make_reply(story, remote_zoe)


def answers(client: Client, user: User, item: Interaction, *, org: str = "alices") -> list[int]:
    client.force_login(user)
    urls = (MODERATE, HIDE, REPLY)
    return [
        client.post(
            url.format(org=org, pk=item.pk, item=item.moderation_id),
            {"text": "Thanks", "reason": "Spam"},
        ).status_code
        for url in urls
    ]


def state_of(item: Interaction) -> str:
    assert item.moderation_id is not None
    return ModerationItem.objects.get(pk=item.moderation_id).state


def replies_sent() -> int:
    return OutboxActivity.objects.filter(type="Create", story=None).count()


def test_a_moderator_may_approve_hide_and_answer(
    client: Client, with_role: Callable[[str], User], item: Interaction
) -> None:
    assert answers(client, with_role("moderator"), item) == [302, 302, 302]
    assert state_of(item) == ModerationState.REJECTED
    assert replies_sent() == 1


def test_an_editor_may_answer_but_not_moderate(
    client: Client, bob: User, item: Interaction
) -> None:
    assert answers(client, bob, item) == [403, 403, 302]
    assert state_of(item) == ModerationState.PENDING
    assert replies_sent() == 1


def test_an_analyst_may_read_the_inbox_but_change_nothing(
    client: Client, with_role: Callable[[str], User], item: Interaction
) -> None:
    analyst = with_role("analyst")
    client.force_login(analyst)
    page = client.get("/staff/alices/federation/inbox/")
    assert page.status_code == 200
    assert "Go rivers!" in page.content.decode()
    assert b"/approve/" not in page.content and b"/reply/" not in page.content
    assert answers(client, analyst, item) == [403, 403, 403]
    response = client.post(MODERATE.format(org="alices", item=item.moderation_id))
    assert "Only owners, moderators and safety officers can decide" in response.content.decode()
    assert state_of(item) == ModerationState.PENDING
    assert replies_sent() == 0


def test_a_stranger_gets_404_through_our_organisation_or_their_own(
    client: Client, charlie: User, item: Interaction
) -> None:
    assert answers(client, charlie, item) == [404, 404, 404]
    assert answers(client, charlie, item, org="charlies") == [404, 404, 404]
    assert client.get("/staff/alices/federation/inbox/").status_code == 404
    assert state_of(item) == ModerationState.PENDING
    assert replies_sent() == 0


def test_an_unknown_id_or_verb_is_404_even_for_the_owner(
    client: Client, alice: User, item: Interaction
) -> None:
    client.force_login(alice)
    unknown = (item.moderation_id or 0) + 1000
    assert client.post(MODERATE.format(org="alices", item=unknown)).status_code == 404
    assert client.post(f"/staff/alices/federation/inbox/{item.pk + 1000}/reply/").status_code == 404
    assert client.post(f"/staff/alices/federation/inbox/{item.pk}/approve/").status_code == 404
    assert client.post(f"/staff/alices/federation/inbox/{item.pk}/delete/").status_code == 404
    assert Interaction.objects.filter(pk=item.pk).exists()


def test_the_access_function_checks_the_role_before_the_lookup(
    org: Organisation, owner: Membership, with_role: Callable[[str], User], item: Interaction
) -> None:
    analyst = testing.membership(with_role("analyst"), org)
    with pytest.raises(PermissionDenied):
        access_interaction(analyst, item.pk + 1000, permission="fediverse.reply")
    assert access_interaction(analyst, item.pk) == item  # reading needs no permission
    with pytest.raises(Http404):
        access_interaction(owner, item.pk + 1000, permission="fediverse.reply")


def test_the_verbs_check_the_same_permissions_as_the_pages(
    org: Organisation, bob: User, with_role: Callable[[str], User], item: Interaction
) -> None:
    editor = testing.membership(bob, org)
    analyst = testing.membership(with_role("analyst"), org)
    assert item.moderation is not None
    with pytest.raises(PermissionDenied):
        moderation.approve(editor, item.moderation)
    with pytest.raises(PermissionDenied):
        services.reply(analyst, item, "Thanks")
    assert replies_sent() == 0
