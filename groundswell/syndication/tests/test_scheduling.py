from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation
from groundswell.audit.models import AuditEntry
from groundswell.lib.periodic import keep_one_waiting
from groundswell.stories.models import Story
from groundswell.stories.services import change_state
from groundswell.syndication import sending, services, tasks
from groundswell.syndication.models import ChannelAccount, ScheduledPost, ScheduledPostQuerySet
from groundswell.syndication.outgoing import Delivered
from groundswell.testing import make_story

from .fakes import FakePDS


def test_a_post_goes_out_on_time_and_not_before(
    owner: Membership,
    published_story: Story,
    bluesky_account: ChannelAccount,
    pds: FakePDS,
    clock: testing.FakeClock,
) -> None:
    due = timezone.now() + timedelta(hours=2)
    post = services.schedule_post(
        owner, published_story, bluesky_account, text="At noon", scheduled_at=due
    )

    clock.moment = due - timedelta(seconds=1)
    tasks.dispatch_due_posts.enqueue()
    assert pds.to("/xrpc/com.atproto.repo.createRecord") == []

    clock.moment = due + timedelta(seconds=1)
    tasks.dispatch_due_posts.enqueue()
    post.refresh_from_db()
    assert post.state == "sent"
    assert len(pds.to("/xrpc/com.atproto.repo.createRecord")) == 1


def test_a_sent_post_is_never_sent_twice(
    owner: Membership, published_story: Story, bluesky_account: ChannelAccount, pds: FakePDS
) -> None:
    post = services.schedule_post(
        owner, published_story, bluesky_account, text="Once", scheduled_at=timezone.now()
    )
    sending.dispatch_due()
    sending.dispatch_due()
    assert sending.deliver(post.pk) == "sent"
    assert len(pds.to("/xrpc/com.atproto.repo.createRecord")) == 1


def test_a_post_claimed_by_another_worker_is_left_alone(
    owner: Membership, published_story: Story, bluesky_account: ChannelAccount, pds: FakePDS
) -> None:
    post = services.schedule_post(
        owner, published_story, bluesky_account, text="Mine", scheduled_at=timezone.now()
    )
    ScheduledPost.objects.filter(pk=post.pk).update(state="sending", claimed_at=timezone.now())
    assert sending.deliver(post.pk) == "sending"
    assert pds.to("/xrpc/com.atproto.repo.createRecord") == []


def test_a_post_stuck_in_sending_fails_instead_of_being_sent_again(
    owner: Membership, published_story: Story, bluesky_account: ChannelAccount, pds: FakePDS
) -> None:
    post = services.schedule_post(
        owner, published_story, bluesky_account, text="Stuck", scheduled_at=timezone.now()
    )
    ScheduledPost.objects.filter(pk=post.pk).update(
        state="sending", claimed_at=timezone.now() - timedelta(hours=1)
    )
    sending.dispatch_due()
    post.refresh_from_db()
    assert post.state == "failed"
    assert "interrupted" in post.last_error
    assert pds.to("/xrpc/com.atproto.repo.createRecord") == []


def test_a_post_waits_while_its_story_is_unpublished_and_says_why(
    owner: Membership, story: Story, bluesky_account: ChannelAccount, pds: FakePDS
) -> None:
    post = services.schedule_post(
        owner, story, bluesky_account, text="Soon", scheduled_at=timezone.now()
    )
    sending.dispatch_due()
    post.refresh_from_db()
    assert post.state == "scheduled"
    assert "not published" in post.waiting_reason

    change_state(owner, story, "publish")
    sending.dispatch_due()
    post.refresh_from_db()
    assert post.state == "sent"
    assert post.waiting_reason == ""


def test_with_approval_required_nothing_goes_out_until_an_owner_approved(
    org: Organisation,
    owner: Membership,
    editor: Membership,
    bluesky_account: ChannelAccount,
    pds: FakePDS,
) -> None:
    org.approval_required = True
    org.save()
    editor.organisation.refresh_from_db()
    owner.organisation.refresh_from_db()
    story = make_story(editor, slug="editors-story")
    post = services.schedule_post(
        editor, story, bluesky_account, text="Please approve", scheduled_at=timezone.now()
    )
    assert post.approved_at is None
    change_state(editor, story, "submit")

    sending.dispatch_due()
    post.refresh_from_db()
    assert "not published" in post.waiting_reason

    change_state(owner, story, "approve")
    story.refresh_from_db()
    change_state(editor, story, "publish")
    sending.dispatch_due()
    post.refresh_from_db()
    assert post.state == "scheduled"
    assert "approve" in post.waiting_reason
    assert pds.to("/xrpc/com.atproto.repo.createRecord") == []

    services.approve_post(owner, post)
    sending.dispatch_due()
    post.refresh_from_db()
    assert post.state == "sent"
    approval = AuditEntry.objects.get(action="syndication.approve")
    assert approval.actor == owner.user
    assert AuditEntry.objects.filter(action="story.approve").exists()


def test_passing_failures_are_retried_then_fail_for_good_and_a_person_can_retry(
    owner: Membership,
    published_story: Story,
    bluesky_account: ChannelAccount,
    pds: FakePDS,
    clock: testing.FakeClock,
) -> None:
    post = services.schedule_post(
        owner, published_story, bluesky_account, text="Flaky", scheduled_at=timezone.now()
    )
    pds.failures["/xrpc/com.atproto.repo.createRecord"] = [502, 502, 502]
    now = timezone.now()
    for attempt in range(3):
        clock.moment = now + timedelta(minutes=10 * attempt)
        sending.dispatch_due()
    post.refresh_from_db()
    assert post.state == "failed"
    assert post.attempts == 3
    assert AuditEntry.objects.filter(action="syndication.failed").count() == 1

    services.retry_post(owner, post)
    assert AuditEntry.objects.filter(action="syndication.retry", actor=owner.user).exists()
    sending.dispatch_due()
    post.refresh_from_db()
    assert post.state == "sent"


def test_disconnecting_forgets_the_secret_and_fails_waiting_posts(
    owner: Membership, story: Story, bluesky_account: ChannelAccount
) -> None:
    post = services.schedule_post(
        owner, story, bluesky_account, text="Later", scheduled_at=timezone.now()
    )
    services.disconnect_account(owner, bluesky_account)
    bluesky_account.refresh_from_db()
    assert bluesky_account.secret_encrypted == ""
    assert not bluesky_account.is_connected
    post.refresh_from_db()
    assert post.state == "failed"
    assert AuditEntry.objects.filter(action="syndication.disconnect").exists()


def test_the_periodic_task_does_not_reschedule_itself_under_the_immediate_backend(db: None) -> None:
    assert keep_one_waiting(tasks.dispatch_due_posts) is False
    tasks.dispatch_due_posts.enqueue()  # runs once, no recursion


def _meanwhile(monkeypatch: pytest.MonkeyPatch, change: Callable[[], object]) -> None:
    """Run `change` (another request) right after deliver() has loaded the post."""
    load = ScheduledPostQuerySet.first
    changes = [change]

    def load_then_change(queryset: ScheduledPostQuerySet) -> ScheduledPost | None:
        post = load(queryset)
        while changes:
            changes.pop()()
        return post

    monkeypatch.setattr(ScheduledPostQuerySet, "first", load_then_change)


def test_a_story_unpublished_while_its_post_is_being_claimed_does_not_go_out(
    owner: Membership,
    published_story: Story,
    bluesky_account: ChannelAccount,
    pds: FakePDS,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    post = services.schedule_post(
        owner, published_story, bluesky_account, text="Too late", scheduled_at=timezone.now()
    )
    _meanwhile(monkeypatch, lambda: change_state(owner, published_story, "unpublish"))

    assert sending.deliver(post.pk) == "scheduled"

    assert pds.to("/xrpc/com.atproto.repo.createRecord") == []
    post.refresh_from_db()
    assert (post.state, post.attempts) == ("scheduled", 0)
    assert "not published" in post.waiting_reason


def test_a_post_that_needs_approval_again_while_being_claimed_does_not_go_out(
    org: Organisation,
    owner: Membership,
    editor: Membership,
    published_story: Story,
    bluesky_account: ChannelAccount,
    pds: FakePDS,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    org.approval_required = True
    org.save()
    editor.organisation.refresh_from_db()
    post = services.schedule_post(
        editor, published_story, bluesky_account, text="Unapproved", scheduled_at=timezone.now()
    )
    assert post.approved_at is None
    org.approval_required = False
    org.save()
    _meanwhile(
        monkeypatch,
        lambda: type(org).objects.filter(pk=org.pk).update(approval_required=True),
    )

    assert sending.deliver(post.pk) == "scheduled"

    assert pds.to("/xrpc/com.atproto.repo.createRecord") == []
    post.refresh_from_db()
    assert "approve" in post.waiting_reason


def _slow_send(
    monkeypatch: pytest.MonkeyPatch,
    clock: testing.FakeClock,
    meanwhile: Callable[[ScheduledPost], object],
) -> None:
    """A send that outlasts STUCK_AFTER: `meanwhile` runs (another worker, a person) after the
    network accepted the post and before the worker records it."""
    send = sending._send

    def slow(post: ScheduledPost) -> Delivered:
        delivered = send(post)
        clock.advance(sending.STUCK_AFTER + timedelta(minutes=1))
        meanwhile(post)
        return delivered

    monkeypatch.setattr(sending, "_send", slow)


def test_a_post_accepted_after_it_was_marked_interrupted_is_recorded_as_sent(
    owner: Membership,
    published_story: Story,
    bluesky_account: ChannelAccount,
    pds: FakePDS,
    monkeypatch: pytest.MonkeyPatch,
    clock: testing.FakeClock,
) -> None:
    post = services.schedule_post(
        owner, published_story, bluesky_account, text="Slow", scheduled_at=clock.moment
    )
    _slow_send(monkeypatch, clock, lambda post: sending.expire_stuck())

    assert sending.deliver(post.pk) == "sent"

    post.refresh_from_db()
    assert (post.state, post.last_error) == ("sent", "")
    assert post.remote_id.startswith("at://")
    (entry,) = AuditEntry.objects.filter(action="syndication.sent")
    assert "interrupted" in entry.summary
    with pytest.raises(ValidationError):
        services.retry_post(owner, post)


def test_a_post_retried_while_its_slow_send_succeeded_is_not_posted_twice(
    owner: Membership,
    published_story: Story,
    bluesky_account: ChannelAccount,
    pds: FakePDS,
    monkeypatch: pytest.MonkeyPatch,
    clock: testing.FakeClock,
) -> None:
    post = services.schedule_post(
        owner, published_story, bluesky_account, text="Slow", scheduled_at=clock.moment
    )

    def expired_then_retried(post: ScheduledPost) -> None:
        sending.expire_stuck()
        services.retry_post(owner, ScheduledPost.objects.get(pk=post.pk))

    _slow_send(monkeypatch, clock, expired_then_retried)

    assert sending.deliver(post.pk) == "sent"
    sending.dispatch_due()

    post.refresh_from_db()
    assert post.state == "sent"
    assert len(pds.to("/xrpc/com.atproto.repo.createRecord")) == 1


def test_delivering_a_post_whose_story_is_unpublished_notes_why_it_waits(
    owner: Membership, story: Story, bluesky_account: ChannelAccount, pds: FakePDS
) -> None:
    post = services.schedule_post(
        owner, story, bluesky_account, text="Not yet", scheduled_at=timezone.now()
    )
    assert sending.deliver(post.pk) == "scheduled"
    post.refresh_from_db()
    assert "not published" in post.waiting_reason
    assert pds.to("/xrpc/com.atproto.repo.createRecord") == []


def test_a_post_failed_by_a_disconnect_is_retried_on_the_account_connected_since(
    owner: Membership, published_story: Story, bluesky_account: ChannelAccount, pds: FakePDS
) -> None:
    from .fakes import APP_PASSWORD

    post = services.schedule_post(
        owner, published_story, bluesky_account, text="Again", scheduled_at=timezone.now()
    )
    services.disconnect_account(owner, bluesky_account)
    reconnected = services.connect_bluesky(
        owner, handle="alices.bsky.social", app_password=APP_PASSWORD, service_url=pds.url
    )
    post.refresh_from_db()

    services.retry_post(owner, post)

    post.refresh_from_db()
    assert (post.state, post.account) == ("scheduled", reconnected)
    entry = AuditEntry.objects.get(action="syndication.retry")
    assert entry.changes["account"] == [str(bluesky_account.pk), str(reconnected.pk)]
    sending.dispatch_due()
    post.refresh_from_db()
    assert post.state == "sent"


def test_retrying_with_no_account_connected_on_that_network_says_so(
    owner: Membership,
    published_story: Story,
    bluesky_account: ChannelAccount,
    mastodon_account: ChannelAccount,
) -> None:
    post = services.schedule_post(
        owner, published_story, bluesky_account, text="Nowhere", scheduled_at=timezone.now()
    )
    services.disconnect_account(owner, bluesky_account)
    post.refresh_from_db()

    with pytest.raises(ValidationError, match="No Bluesky account is connected"):
        services.retry_post(owner, post)
    post.refresh_from_db()
    assert (post.state, post.account) == ("failed", bluesky_account)
