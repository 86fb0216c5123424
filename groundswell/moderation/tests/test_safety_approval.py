"""Approving shows words publicly, so flagged words pass the safety gate: a moderator's
approval alone is not enough, an owner's or a safety officer's override with a reason is."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from groundswell.accounts.models import Membership, User
from groundswell.audit.models import AuditEntry
from groundswell.moderation import services
from groundswell.moderation.models import ModerationItem, ModerationState
from groundswell.safety.models import SafetyOverride
from groundswell.safety.services import Flagged, text_hash

FLAGGED = "Ring Dana on 07700 900123 about the march"
REASON = "Dana asked us to publish her campaign line; she confirmed by letter."
QUEUE = "/staff/alices/moderation/"


def state(item: ModerationItem) -> str:
    return ModerationItem.objects.get(pk=item.pk).state


def membership_of(user: User) -> Membership:
    return Membership.objects.get(user=user)


def test_a_moderator_cannot_approve_flagged_words(
    with_role: Callable[[str], User], submit: Callable[..., ModerationItem]
) -> None:
    item = submit(FLAGGED)
    assert item.findings
    moderator = membership_of(with_role("moderator"))
    with pytest.raises(Flagged):
        services.approve(moderator, item)
    assert state(item) == ModerationState.PENDING
    with pytest.raises(PermissionDenied):
        services.approve(moderator, item, safety_reason=REASON)
    assert state(item) == ModerationState.PENDING
    assert not SafetyOverride.objects.exists()
    assert not AuditEntry.objects.filter(action="moderation.approve").exists()


def test_an_owner_approves_flagged_words_only_with_a_reason(
    owner: Membership, submit: Callable[..., ModerationItem]
) -> None:
    item = submit(FLAGGED)
    with pytest.raises(Flagged):
        services.approve(owner, item)
    assert state(item) == ModerationState.PENDING
    assert services.approve(owner, item, safety_reason=REASON) is True
    assert state(item) == ModerationState.APPROVED
    row = SafetyOverride.objects.get()
    assert (row.kind, row.object_id, row.reason) == ("moderation", str(item.pk), REASON)
    assert row.text_hash == text_hash(FLAGGED)
    entry = AuditEntry.objects.get(action="safety.override")
    # Neither the flagged passage nor the free-text reason is copied into the log.
    assert REASON not in entry.summary and "07700" not in entry.summary
    assert REASON not in str(entry.changes) and "07700" not in str(entry.changes)


def test_a_safety_officer_lets_it_out_and_clean_words_need_no_reason(
    with_role: Callable[[str], User], owner: Membership, submit: Callable[..., ModerationItem]
) -> None:
    officer = membership_of(with_role("safety_officer"))
    item = submit(FLAGGED)
    assert services.approve(officer, item, safety_reason=REASON) is True
    assert state(item) == ModerationState.APPROVED
    assert SafetyOverride.objects.get().by == officer.user
    clean = submit("Lovely river walk today.")
    assert services.approve(owner, clean) is True
    assert not SafetyOverride.objects.filter(object_id=str(clean.pk)).exists()


def test_an_override_is_for_the_words_read(
    owner: Membership, submit: Callable[..., ModerationItem]
) -> None:
    item = submit(FLAGGED)
    with pytest.raises(ValidationError, match="changed after you read it"):
        services.approve(owner, item, safety_reason=REASON, seen_hash=text_hash("other words"))
    assert state(item) == ModerationState.PENDING
    assert not SafetyOverride.objects.exists()


def test_a_bulk_approval_still_skips_flagged_items(
    owner: Membership, submit: Callable[..., ModerationItem]
) -> None:
    item = submit(FLAGGED)
    result = services.decide_many(owner, [item], "approve")
    assert result.held == [item] and result.decided == 0
    assert state(item) == ModerationState.PENDING


def test_the_item_page_tells_a_moderator_and_keeps_it_held(
    client: Client, with_role: Callable[[str], User], submit: Callable[..., ModerationItem]
) -> None:
    item = submit(FLAGGED)
    client.force_login(with_role("moderator"))
    html = client.get(f"{QUEUE}{item.pk}/").content.decode()
    assert "only an owner or a safety officer can approve them" in html
    assert 'name="safety_reason"' not in html
    response = client.post(f"{QUEUE}{item.pk}/approve/")
    assert response.status_code == 400
    html = response.content.decode()
    assert "<title>Error:" in html and "There is a problem" in html
    assert "ask an owner or a safety officer" in html
    assert state(item) == ModerationState.PENDING


def test_the_item_page_offers_an_owner_the_reason_field(
    client: Client, alice: User, submit: Callable[..., ModerationItem]
) -> None:
    item = submit(FLAGGED)
    client.force_login(alice)
    url = f"{QUEUE}{item.pk}/"
    html = client.get(url).content.decode()
    assert 'name="safety_reason"' in html and text_hash(FLAGGED) in html
    blank = client.post(f"{url}approve/", {"safety_reason": "", "text_hash": text_hash(FLAGGED)})
    assert blank.status_code == 400
    html = blank.content.decode()
    assert 'href="#id_safety_reason"' in html and 'aria-describedby="id_safety_reason' in html
    assert state(item) == ModerationState.PENDING
    typed = "Too short?" + " x" * 1001
    long = client.post(f"{url}approve/", {"safety_reason": typed, "text_hash": text_hash(FLAGGED)})
    assert long.status_code == 400 and "under 2,000 characters" in long.content.decode()
    done = client.post(f"{url}approve/", {"safety_reason": REASON, "text_hash": text_hash(FLAGGED)})
    assert done.status_code == 302
    assert state(item) == ModerationState.APPROVED
    assert SafetyOverride.objects.get().reason == REASON
    # The reason is read where the item is, not in the log.
    assert REASON in client.get(url).content.decode()
