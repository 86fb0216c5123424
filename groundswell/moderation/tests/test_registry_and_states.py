"""The registry and the one state of every item: what moves it, and what refuses to."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.audit.models import AuditEntry
from groundswell.moderation import registry, services
from groundswell.moderation.models import ModerationItem, ModerationState

from .conftest import COMMENT, SHOUT


def test_a_kind_registers_once_and_a_different_one_cannot_take_its_name() -> None:
    kind = registry.get(COMMENT)
    assert registry.register(kind) is kind  # a reloaded app registers the same kind again
    with pytest.raises(ValueError, match="already called"):
        registry.register(registry.Kind(name=COMMENT, label="Something else"))
    assert "fediverse.reply" in {k.name for k in registry.all_kinds()}


def test_submitting_an_unregistered_kind_fails_loudly(org: Organisation) -> None:
    with pytest.raises(KeyError):
        services.submit("nobody.registered", org, registry.Submission("hi", "someone"))
    assert not ModerationItem.objects.exists()


def test_the_guard_reads_every_item_as_it_is_queued(
    submit: Callable[..., ModerationItem],
) -> None:
    item = submit("Ring Dana on 07700 900123 tonight")
    item.refresh_from_db()
    assert item.screened_at is not None
    assert item.state == ModerationState.PENDING
    [finding] = item.findings
    assert finding["kind"] == "phone"
    assert item.text[finding["start"] : finding["end"]] == "07700 900123"
    assert finding["reason"]


def test_a_premoderated_item_waits_and_a_shown_kind_is_approved_only_when_clean(
    org: Organisation, owner: Membership, submit: Callable[..., ModerationItem]
) -> None:
    assert submit("A fine day").state == ModerationState.PENDING
    clean = submit("A fine day", kind=SHOUT)
    assert clean.state == ModerationState.APPROVED and clean.decided_by is None
    assert AuditEntry.objects.filter(action="moderation.auto_approve", target_id=clean.pk).exists()
    flagged = submit("Ring Dana on 07700 900123", kind=SHOUT)
    assert flagged.state == ModerationState.PENDING
    services.hold_phrase(owner, "Mill Lane")
    held = submit("See you at mill lane", kind=SHOUT)
    assert held.state == ModerationState.PENDING
    assert services.held_by(held) == ["Mill Lane"]


def test_states_move_only_along_the_written_transitions(
    owner: Membership, submit: Callable[..., ModerationItem]
) -> None:
    item = submit()
    assert services.approve(owner, item) is True
    assert item.state == ModerationState.APPROVED and item.decided_by == owner.user
    assert services.approve(owner, item) is False  # twice is once
    assert services.reject(owner, item, "  Spam,   in   fact ") is True
    item.refresh_from_db()
    assert item.state == ModerationState.REJECTED and item.reason == "Spam, in fact"
    assert services.approve(owner, item) is True
    actions = list(
        AuditEntry.objects.filter(target_type="moderationitem", target_id=str(item.pk))
        .order_by("id")
        .values_list("action", "changes")
    )
    assert actions == [
        ("moderation.approve", {"state": ["pending", "approved"]}),
        ("moderation.reject", {"state": ["approved", "rejected"]}),
        ("moderation.approve", {"state": ["rejected", "approved"]}),
    ]


def test_a_rejection_needs_a_reason_and_changes_nothing_without_one(
    owner: Membership, submit: Callable[..., ModerationItem]
) -> None:
    item = submit()
    for reason in ("", "   ", "x" * 301):
        with pytest.raises(ValidationError):
            services.reject(owner, item, reason)
    item.refresh_from_db()
    assert item.state == ModerationState.PENDING
    assert not AuditEntry.objects.filter(action__startswith="moderation.").exists()


def test_changed_words_send_a_decided_item_back_to_a_moderator(
    org: Organisation, owner: Membership, submit: Callable[..., ModerationItem]
) -> None:
    item = submit("First words")
    services.approve(owner, item)
    same = registry.Submission(text="First words", author_key=item.author_key, language="en")
    with transaction.atomic():
        services.submit(COMMENT, org, same, item=item)
    assert item.state == ModerationState.APPROVED
    edited = registry.Submission(text="Call 07700 900123", author_key=item.author_key)
    with transaction.atomic():
        services.submit(COMMENT, org, edited, item=item)
    item.refresh_from_db()
    assert item.state == ModerationState.PENDING
    assert item.text == "Call 07700 900123" and item.findings[0]["kind"] == "phone"


def test_who_may_decide(
    org: Organisation,
    bob: User,
    with_role: Callable[[str], User],
    submit: Callable[..., ModerationItem],
) -> None:
    item = submit()
    for role in ("editor", "analyst"):
        member = testing.membership(bob if role == "editor" else with_role(role), org)
        for verb in (
            lambda m: services.approve(m, item),
            lambda m: services.reject(m, item, "Spam"),
            lambda m: services.decide_many(m, [item], "approve"),
            lambda m: services.hold_phrase(m, "anything"),
        ):
            with pytest.raises(PermissionDenied):
                verb(member)
    item.refresh_from_db()
    assert item.state == ModerationState.PENDING
    for role in ("moderator", "safety_officer"):
        member = testing.membership(with_role(role), org)
        assert services.reject(member, item, f"Spam, says the {role}") is True
        services.approve(member, item)


def test_waiting_items_carried_over_unscreened_are_screened_by_the_worker(
    org: Organisation, worker_turn: Callable[..., None]
) -> None:
    from django.utils import timezone

    old = ModerationItem.objects.create(
        organisation=org,
        kind=COMMENT,
        text="Old words, 07700 900123",
        author_key="someone",
        submitted_at=timezone.now(),
    )
    assert not ModerationItem.objects.queue().exists()  # unscreened: not shown to anyone
    worker_turn("screen_moderation_items")
    old.refresh_from_db()
    assert old.screened_at is not None and old.findings[0]["kind"] == "phone"
    assert list(ModerationItem.objects.queue()) == [old]
