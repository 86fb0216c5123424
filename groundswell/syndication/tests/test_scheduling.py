from datetime import timedelta

from django.utils import timezone

from groundswell.audit.models import AuditEntry
from groundswell.stories.services import change_state
from groundswell.syndication import services, tasks
from groundswell.syndication.models import ScheduledPost
from groundswell.testing import make_story


def _clock(monkeypatch, when):
    monkeypatch.setattr(timezone, "now", lambda: when)


def test_a_post_goes_out_on_time_and_not_before(
    owner, published_story, bluesky_account, pds, monkeypatch
):
    due = timezone.now() + timedelta(hours=2)
    post = services.schedule_post(
        owner, published_story, bluesky_account, text="At noon", scheduled_at=due
    )

    _clock(monkeypatch, due - timedelta(seconds=1))
    tasks.dispatch_due_posts.enqueue()
    assert pds.to("/xrpc/com.atproto.repo.createRecord") == []

    _clock(monkeypatch, due + timedelta(seconds=1))
    tasks.dispatch_due_posts.enqueue()
    post.refresh_from_db()
    assert post.state == "sent"
    assert len(pds.to("/xrpc/com.atproto.repo.createRecord")) == 1


def test_a_sent_post_is_never_sent_twice(owner, published_story, bluesky_account, pds):
    post = services.schedule_post(
        owner, published_story, bluesky_account, text="Once", scheduled_at=timezone.now()
    )
    services.dispatch_due()
    services.dispatch_due()
    assert services.deliver(post.pk) == "sent"
    assert len(pds.to("/xrpc/com.atproto.repo.createRecord")) == 1


def test_a_post_claimed_by_another_worker_is_left_alone(
    owner, published_story, bluesky_account, pds
):
    post = services.schedule_post(
        owner, published_story, bluesky_account, text="Mine", scheduled_at=timezone.now()
    )
    ScheduledPost.objects.filter(pk=post.pk).update(state="sending", claimed_at=timezone.now())
    assert services.deliver(post.pk) == "sending"
    assert pds.to("/xrpc/com.atproto.repo.createRecord") == []


def test_a_post_stuck_in_sending_fails_instead_of_being_sent_again(
    owner, published_story, bluesky_account, pds
):
    post = services.schedule_post(
        owner, published_story, bluesky_account, text="Stuck", scheduled_at=timezone.now()
    )
    ScheduledPost.objects.filter(pk=post.pk).update(
        state="sending", claimed_at=timezone.now() - timedelta(hours=1)
    )
    services.dispatch_due()
    post.refresh_from_db()
    assert post.state == "failed"
    assert "interrupted" in post.last_error
    assert pds.to("/xrpc/com.atproto.repo.createRecord") == []


def test_a_post_waits_while_its_story_is_unpublished_and_says_why(
    owner, story, bluesky_account, pds
):
    post = services.schedule_post(
        owner, story, bluesky_account, text="Soon", scheduled_at=timezone.now()
    )
    services.dispatch_due()
    post.refresh_from_db()
    assert post.state == "scheduled"
    assert "not published" in post.waiting_reason

    change_state(owner, story, "publish")
    services.dispatch_due()
    post.refresh_from_db()
    assert post.state == "sent"
    assert post.waiting_reason == ""


def test_with_approval_required_nothing_goes_out_until_an_owner_approved(
    org, owner, editor, bluesky_account, pds
):
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

    services.dispatch_due()
    post.refresh_from_db()
    assert "not published" in post.waiting_reason

    change_state(owner, story, "approve")
    story.refresh_from_db()
    change_state(editor, story, "publish")
    services.dispatch_due()
    post.refresh_from_db()
    assert post.state == "scheduled"
    assert "approve" in post.waiting_reason
    assert pds.to("/xrpc/com.atproto.repo.createRecord") == []

    services.approve_post(owner, post)
    services.dispatch_due()
    post.refresh_from_db()
    assert post.state == "sent"
    approval = AuditEntry.objects.get(action="syndication.approve")
    assert approval.actor == owner.user
    assert AuditEntry.objects.filter(action="story.approve").exists()


def test_passing_failures_are_retried_then_fail_for_good_and_a_person_can_retry(
    owner, published_story, bluesky_account, pds, monkeypatch
):
    post = services.schedule_post(
        owner, published_story, bluesky_account, text="Flaky", scheduled_at=timezone.now()
    )
    pds.failures["/xrpc/com.atproto.repo.createRecord"] = [502, 502, 502]
    now = timezone.now()
    for attempt in range(3):
        _clock(monkeypatch, now + timedelta(minutes=10 * attempt))
        services.dispatch_due()
    post.refresh_from_db()
    assert post.state == "failed"
    assert post.attempts == 3
    assert AuditEntry.objects.filter(action="syndication.failed").count() == 1

    services.retry_post(owner, post)
    assert AuditEntry.objects.filter(action="syndication.retry", actor=owner.user).exists()
    services.dispatch_due()
    post.refresh_from_db()
    assert post.state == "sent"


def test_disconnecting_forgets_the_secret_and_fails_waiting_posts(owner, story, bluesky_account):
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


def test_the_periodic_task_does_not_reschedule_itself_under_the_immediate_backend(db):
    assert tasks.schedule_periodic() is False
    tasks.dispatch_due_posts.enqueue()  # runs once, no recursion
