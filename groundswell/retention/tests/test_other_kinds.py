"""The kinds outside the signing path: each deletes what is past its cutoff and nothing else."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.models import Session
from django_tasks_db.models import DBTaskResult

from groundswell import testing
from groundswell.accounts.models import Invitation, Membership, Organisation
from groundswell.accounts.services import invite_member, revoke_invitation
from groundswell.audit.models import AuditEntry
from groundswell.audit.services import record
from groundswell.federation import moderated
from groundswell.federation.models import (
    Follower,
    Interaction,
    InteractionKind,
    ReceivedActivity,
    ReceivedState,
    RemoteActor,
)
from groundswell.lib.models import RateCount
from groundswell.moderation.models import ModerationItem
from groundswell.notifications.models import OutboxMessage
from groundswell.retention import services
from groundswell.testing import FakeClock

from .conftest import DAYS


def test_kept_emails_go_after_their_period_account_mail_with_the_site_kinds(
    org: Organisation, other_org: Organisation, clock: FakeClock
) -> None:
    def mail(organisation: Organisation | None, days_ago: int) -> OutboxMessage:
        message = OutboxMessage.objects.create(
            organisation=organisation, to="someone@example.net", subject="Hello", body="…"
        )
        OutboxMessage.objects.filter(pk=message.pk).update(
            created_at=clock.moment - days_ago * DAYS
        )
        return message

    old, recent = mail(org, 31), mail(org, 29)  # kept 30 days
    theirs, account_old, account_new = mail(other_org, 31), mail(None, 8), mail(None, 6)

    services.run_organisation(org, now=clock.moment)
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {
        recent.pk, theirs.pk, account_old.pk, account_new.pk,
    }  # fmt: skip
    services.run_site(clock.moment)  # account mail: 7 days
    assert not OutboxMessage.objects.filter(pk__in=[old.pk, account_old.pk]).exists()
    assert OutboxMessage.objects.filter(pk__in=[recent.pk, account_new.pk]).count() == 2


def test_the_audit_log_keeps_its_years_and_invitations_go_once_over(
    org: Organisation, owner: Membership, clock: FakeClock
) -> None:
    old = record(organisation=org, actor=None, action="x", target=org, summary="old")
    AuditEntry.objects.filter(pk=old.pk).update(created_at=clock.moment - 6 * 366 * DAYS)
    young = record(organisation=org, actor=None, action="x", target=org, summary="young")
    AuditEntry.objects.filter(pk=young.pk).update(created_at=clock.moment - 5 * 365 * DAYS)
    used = invite_member(owner, email="used@example.net", role="editor")
    revoke_invitation(owner, used)
    Invitation.objects.filter(pk=used.pk).update(revoked_at=clock.moment - 91 * DAYS)
    pending = invite_member(owner, email="pending@example.net", role="editor")

    services.run_organisation(org, now=clock.moment)

    assert not AuditEntry.objects.filter(pk=old.pk).exists()
    assert AuditEntry.objects.filter(pk=young.pk).exists()
    assert not Invitation.objects.filter(pk=used.pk).exists()
    assert Invitation.objects.filter(pk=pending.pk).exists()


def _actor(name: str, fetched_days_ago: int, clock: FakeClock) -> RemoteActor:
    return RemoteActor.objects.create(
        uri=f"https://social.example/users/{name}",
        inbox=f"https://social.example/users/{name}/inbox",
        username=name,
        domain="social.example",
        fetched_at=clock.moment - fetched_days_ago * DAYS,
    )


def test_fediverse_interactions_and_activities_go_once_decided_and_old(
    org: Organisation, owner: Membership, clock: FakeClock
) -> None:
    story = testing.make_story(owner)
    replier = _actor("replier", 400, clock)

    def interaction(name: str, state: str, days_ago: int) -> Interaction:
        made = Interaction.objects.create(
            story=story,
            actor=replier,
            kind=InteractionKind.REPLY,
            object_uri=f"https://social.example/notes/{name}",
            content_html="<p>Words of a fictional person</p>",
            public=True,
        )
        moderated.queue_reply(made, "en")  # its state is its moderation item's
        when = clock.moment - days_ago * DAYS
        decided = when if state != "pending" else None
        ModerationItem.objects.filter(fediverse_interaction=made).update(
            state=state, decided_at=decided
        )
        Interaction.objects.filter(pk=made.pk).update(updated_at=when)
        return made

    hidden_old = interaction("a", "rejected", 366)
    shown_old = interaction("b", "approved", 366)
    waiting_old = interaction("c", "pending", 366)
    decided_recent = interaction("d", "rejected", 300)

    def received(name: str, state: str, days_ago: int) -> ReceivedActivity:
        made = ReceivedActivity.objects.create(
            activity_id=f"https://social.example/activities/{name}",
            type="Create",
            actor_uri=replier.uri,
            organisation=org,
            payload={"type": "Create"},
            state=state,
        )
        ReceivedActivity.objects.filter(pk=made.pk).update(
            received_at=clock.moment - days_ago * DAYS
        )
        return made

    processed_old = received("1", ReceivedState.PROCESSED, 366)
    waiting_activity = received("2", ReceivedState.RECEIVED, 366)
    processed_recent = received("3", ReceivedState.PROCESSED, 10)

    services.run_organisation(org, now=clock.moment)

    assert set(Interaction.objects.values_list("pk", flat=True)) == {
        waiting_old.pk, decided_recent.pk,
    }  # fmt: skip
    assert not Interaction.objects.filter(pk__in=[hidden_old.pk, shown_old.pk]).exists()
    # Their words go from the moderation queue too.
    assert set(ModerationItem.objects.values_list("pk", flat=True)) == {
        waiting_old.moderation_id, decided_recent.moderation_id,
    }  # fmt: skip
    assert set(ReceivedActivity.objects.values_list("pk", flat=True)) == {
        waiting_activity.pk, processed_recent.pk,
    }  # fmt: skip
    assert not ReceivedActivity.objects.filter(pk=processed_old.pk).exists()


def test_remote_actors_go_once_nothing_points_at_them(org: Organisation, clock: FakeClock) -> None:
    unused = _actor("unused", 31, clock)
    unused_recent = _actor("recent", 10, clock)
    follower = _actor("follower", 400, clock)
    Follower.objects.create(organisation=org, actor=follower, follow_id=follower.uri + "#f")

    services.run_site(clock.moment)

    assert set(RemoteActor.objects.values_list("pk", flat=True)) == {
        unused_recent.pk, follower.pk,
    }  # fmt: skip
    assert not RemoteActor.objects.filter(pk=unused.pk).exists()


def test_site_kinds_drop_old_rate_counts_sessions_and_task_rows(db: None, clock: FakeClock) -> None:
    now = int(clock.moment.timestamp())
    RateCount.objects.create(bucket="sign:old", count=3, expires=now - 2 * 86_400)
    RateCount.objects.create(bucket="sign:new", count=3, expires=now - 3_600)
    Session.objects.create(
        session_key="a" * 32, session_data="x", expire_date=clock.moment - 2 * DAYS
    )
    Session.objects.create(
        session_key="b" * 32, session_data="x", expire_date=clock.moment + 2 * DAYS
    )

    def task_row(status: str, days_ago: int) -> Any:
        finished = clock.moment - days_ago * DAYS
        return DBTaskResult.objects.create(
            status=status,
            task_path="groundswell.notifications.tasks.send_email",
            args_kwargs={"args": [], "kwargs": {}},
            queue_name="default",
            backend_name="default",
            run_after=finished,
            finished_at=None if status == "READY" else finished,
        )

    finished_old = task_row("SUCCESSFUL", 8)
    failed_new = task_row("FAILED", 6)
    waiting = task_row("READY", 30)
    outcomes = {each.kind.name: each.counts for each in services.run_site(clock.moment)}

    assert outcomes["lib.rate_counts"] == {"rate-limit counts": 1}
    assert list(RateCount.objects.values_list("bucket", flat=True)) == ["sign:new"]
    assert list(Session.objects.values_list("session_key", flat=True)) == ["b" * 32]
    assert set(DBTaskResult.objects.values_list("pk", flat=True)) == {failed_new.pk, waiting.pk}
    assert not DBTaskResult.objects.filter(pk=finished_old.pk).exists()
