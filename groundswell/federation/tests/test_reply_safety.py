"""A staff reply goes out on the fediverse only once the safety check lets it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.audit.models import AuditEntry
from groundswell.federation import services
from groundswell.federation.models import OutboxActivity, RemoteActor
from groundswell.safety.models import SafetyOverride
from groundswell.safety.services import Flagged, text_hash
from groundswell.stories.models import Story

from .test_replies import make_reply

FLAGGED = "Thanks! Our volunteer lives at 12 Mill Lane, ring her on 07700 900123."
PHONE = "07700 900123"
REASON = "She asked us to share her number for the clean-up sign-ups."


def notes() -> int:
    return OutboxActivity.objects.filter(type="Create", story=None).count()


def test_a_flagged_reply_is_refused_and_nothing_is_queued(
    editor: Membership, story: Story, remote_zoe: RemoteActor
) -> None:
    item = make_reply(story, remote_zoe)
    with pytest.raises(Flagged) as refused:
        services.reply(editor, item, FLAGGED)
    assert PHONE in refused.value.message_dict["text"][0]
    assert notes() == 0


def test_an_editor_cannot_let_it_out_but_an_owner_can_with_a_reason(
    editor: Membership, owner: Membership, story: Story, remote_zoe: RemoteActor
) -> None:
    item = make_reply(story, remote_zoe)
    with pytest.raises(PermissionDenied):
        services.reply(editor, item, FLAGGED, safety_reason=REASON)
    assert notes() == 0
    services.reply(owner, item, FLAGGED, safety_reason=REASON)
    assert notes() == 1
    override = SafetyOverride.objects.get()
    assert (override.kind, override.object_id) == ("reply", str(item.pk))
    assert override.text_hash == text_hash(FLAGGED)
    assert AuditEntry.objects.filter(action="safety.override").count() == 1
    # The override covers that text only: another flagged text is checked again.
    with pytest.raises(Flagged):
        services.reply(owner, item, FLAGGED.replace("12", "14"))
    assert notes() == 1


def test_a_moderator_cannot_let_it_out(
    org: Organisation, story: Story, remote_zoe: RemoteActor
) -> None:
    mo = testing.make_user("mo@example.org", "Mo Moderator")
    moderator = testing.add_member(org, mo, "moderator")
    with pytest.raises(PermissionDenied):
        services.reply(moderator, make_reply(story, remote_zoe), FLAGGED, safety_reason=REASON)
    assert notes() == 0


def test_the_reply_page_keeps_the_text_marks_the_passage_and_offers_the_reason(
    client: Client, alice: User, bob: User, story: Story, remote_zoe: RemoteActor
) -> None:
    item = make_reply(story, remote_zoe)
    url = f"/staff/alices/federation/inbox/{item.pk}/reply/"
    client.force_login(bob)
    response = client.post(url, {"text": FLAGGED})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in html and 'class="error-summary"' in html
    assert f"{FLAGGED}</textarea>" in html
    assert f'<mark class="flag" id="flag-1">{PHONE}</mark>' in html
    assert 'name="safety_reason"' not in html
    assert notes() == 0

    client.force_login(alice)
    html = client.post(url, {"text": FLAGGED}).content.decode()
    assert 'name="safety_reason"' in html
    response = client.post(url, {"text": FLAGGED, "safety_reason": REASON})
    assert response.status_code == 302
    assert notes() == 1


def test_the_reply_command_refuses_flagged_text_before_fetching_anything(
    owner: Membership, org: Organisation
) -> None:
    from django.core.management import CommandError, call_command

    # The address is never fetched: nothing listens there, and the refusal comes first.
    with pytest.raises(CommandError, match="The safety check flagged 1 passage"):
        call_command(
            "federation", "reply", org.slug, "http://127.0.0.1:9/statuses/1", f"Ring {PHONE}"
        )
    assert notes() == 0
