"""Scheduled posts pass the safety check when scheduled, when approved and again when the
worker sends them: a flagged post is held, saying why, and the worker goes on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.accounts.services import update_organisation
from groundswell.audit.models import AuditEntry
from groundswell.safety.models import SafetyOverride
from groundswell.safety.services import Flagged, text_hash
from groundswell.stories.models import Story
from groundswell.syndication import services, tasks
from groundswell.syndication.models import ChannelAccount, LocalPost, ScheduledPost
from groundswell.syndication.workflow import PostState

PHONE = "07700 900123"
FLAGGED = f"Seen the van? Ring {PHONE}."
REASON = "Our own hotline, printed on every leaflet."


@pytest.fixture
def timeline(owner: Membership) -> ChannelAccount:
    return services.connect_local(owner)


@pytest.fixture
def sami(org: Organisation) -> User:
    user = testing.make_user("sami@example.org", "Sami Safety")
    testing.add_member(org, user, "safety_officer")
    return user


@pytest.fixture
def officer(sami: User, org: Organisation) -> Membership:
    return testing.membership(sami, org)


def a_post_flagged_since(
    owner: Membership, story: Story, account: ChannelAccount, clock: testing.FakeClock
) -> ScheduledPost:
    """A post whose text became flagged after it was scheduled (its row changed, or the
    guard's rules did): only the check at the moment of sending can catch it."""
    post = services.schedule_post(
        owner, story, account, text="Otters!", scheduled_at=clock.moment - timedelta(minutes=1)
    )
    ScheduledPost.objects.filter(pk=post.pk).update(text=FLAGGED)
    post.refresh_from_db()
    return post


def test_scheduling_flagged_text_is_refused_on_the_text_field(
    editor: Membership, published_story: Story, timeline: ChannelAccount
) -> None:
    with pytest.raises(Flagged) as refused:
        services.schedule_post(
            editor, published_story, timeline, text=FLAGGED, scheduled_at=timezone.now()
        )
    assert PHONE in refused.value.message_dict["text"][0]
    assert not ScheduledPost.objects.exists()


def test_an_editor_giving_a_reason_is_still_refused(
    editor: Membership, published_story: Story, timeline: ChannelAccount
) -> None:
    with pytest.raises(PermissionDenied):
        services.schedule_post(
            editor,
            published_story,
            timeline,
            text=FLAGGED,
            scheduled_at=timezone.now(),
            safety_reason=REASON,
        )
    assert not ScheduledPost.objects.exists() and not SafetyOverride.objects.exists()


def test_an_owner_schedules_flagged_text_with_a_reason_and_it_goes_out(
    owner: Membership,
    published_story: Story,
    timeline: ChannelAccount,
    clock: testing.FakeClock,
) -> None:
    post = services.schedule_post(
        owner,
        published_story,
        timeline,
        text=FLAGGED,
        scheduled_at=clock.moment,
        safety_reason=REASON,
    )
    override = SafetyOverride.objects.get()
    assert (override.kind, override.object_id) == ("post", str(post.pk))
    assert override.text_hash == text_hash(FLAGGED)
    assert AuditEntry.objects.filter(action="safety.override", target_id=str(post.pk)).exists()
    tasks.dispatch_due_posts.enqueue()
    post.refresh_from_db()
    assert post.state == PostState.SENT
    assert LocalPost.objects.get().text == FLAGGED


def test_the_worker_holds_a_flagged_post_says_why_and_sends_the_rest(
    owner: Membership,
    published_story: Story,
    timeline: ChannelAccount,
    clock: testing.FakeClock,
) -> None:
    held = a_post_flagged_since(owner, published_story, timeline, clock)
    clean = services.schedule_post(
        owner, published_story, timeline, text="Otters are back!", scheduled_at=clock.moment
    )
    tasks.dispatch_due_posts.enqueue()
    held.refresh_from_db()
    clean.refresh_from_db()
    assert clean.state == PostState.SENT
    assert held.state == PostState.HELD
    assert "Held by the safety check" in held.last_error and "phone" in held.last_error
    assert PHONE not in held.last_error
    assert [p.text for p in LocalPost.objects.all()] == ["Otters are back!"]
    entry = AuditEntry.objects.get(action="syndication.held")
    assert entry.target_id == str(held.pk) and PHONE not in entry.summary

    # The periodic task goes on: later turns neither send nor drop the held post.
    later = services.schedule_post(
        owner, published_story, timeline, text="Still here.", scheduled_at=clock.moment
    )
    clock.advance(timedelta(minutes=1))
    tasks.dispatch_due_posts.enqueue()
    later.refresh_from_db()
    held.refresh_from_db()
    assert later.state == PostState.SENT and held.state == PostState.HELD
    assert LocalPost.objects.count() == 2


def test_a_safety_officer_releases_a_held_post_and_it_goes_out(
    owner: Membership,
    editor: Membership,
    officer: Membership,
    published_story: Story,
    timeline: ChannelAccount,
    clock: testing.FakeClock,
) -> None:
    held = a_post_flagged_since(owner, published_story, timeline, clock)
    tasks.dispatch_due_posts.enqueue()
    held.refresh_from_db()
    assert held.state == PostState.HELD
    with pytest.raises(PermissionDenied):
        services.release_post(editor, held, REASON, seen_hash=text_hash(FLAGGED))
    services.release_post(officer, held, REASON, seen_hash=text_hash(FLAGGED))
    held.refresh_from_db()
    assert held.state == PostState.SCHEDULED and held.last_error == ""
    assert AuditEntry.objects.filter(action="syndication.release").exists()
    tasks.dispatch_due_posts.enqueue()
    held.refresh_from_db()
    assert held.state == PostState.SENT
    assert LocalPost.objects.get().text == FLAGGED


def test_approving_a_flagged_post_is_refused(
    owner: Membership, editor: Membership, published_story: Story, timeline: ChannelAccount
) -> None:
    update_organisation(owner, {"approval_required": True})
    editor.refresh_from_db()
    editor.organisation.refresh_from_db()
    post = services.schedule_post(
        editor, published_story, timeline, text="Otters!", scheduled_at=timezone.now()
    )
    ScheduledPost.objects.filter(pk=post.pk).update(text=FLAGGED)
    post.refresh_from_db()
    assert post.approved_at is None
    owner.organisation.refresh_from_db()
    with pytest.raises(Flagged):
        services.approve_post(owner, post)
    post.refresh_from_db()
    assert post.approved_at is None


def test_a_held_post_can_be_cancelled(
    owner: Membership, published_story: Story, timeline: ChannelAccount, clock: testing.FakeClock
) -> None:
    held = a_post_flagged_since(owner, published_story, timeline, clock)
    tasks.dispatch_due_posts.enqueue()
    services.cancel_post(owner, held)
    assert not ScheduledPost.objects.exists()


# --- The pages ------------------------------------------------------------------------------


def test_the_schedule_form_shows_the_findings_and_keeps_the_text(
    client: Client, bob: User, org: Organisation, published_story: Story, timeline: ChannelAccount
) -> None:
    client.force_login(bob)
    url = reverse("syndication:schedule", args=[org.slug, published_story.pk])
    prefix = f"account-{timeline.pk}"
    response = client.post(
        url,
        {
            "account": timeline.pk,
            f"{prefix}-text": FLAGGED,
            f"{prefix}-scheduled_at": "2030-01-01T10:00",
            f"{prefix}-attachment": "link",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in html and 'class="error-summary"' in html
    assert f"id_{prefix}-text_error" in html and PHONE in html
    assert f"{FLAGGED}</textarea>" in html
    assert "safety_reason" not in html  # bob may not decide
    assert not ScheduledPost.objects.exists()


def test_an_owner_gets_the_reason_field_on_the_same_form(
    client: Client,
    alice: User,
    org: Organisation,
    published_story: Story,
    timeline: ChannelAccount,
) -> None:
    client.force_login(alice)
    url = reverse("syndication:schedule", args=[org.slug, published_story.pk])
    prefix = f"account-{timeline.pk}"
    fields = {
        "account": timeline.pk,
        f"{prefix}-text": FLAGGED,
        f"{prefix}-scheduled_at": "2030-01-01T10:00",
        f"{prefix}-attachment": "link",
    }
    assert f'name="{prefix}-safety_reason"' in client.post(url, fields).content.decode()
    response = client.post(url, {**fields, f"{prefix}-safety_reason": REASON})
    assert response.status_code == 302
    assert ScheduledPost.objects.get().text == FLAGGED
    assert SafetyOverride.objects.get().reason == REASON


def test_the_calendar_lists_held_posts_and_the_officer_releases_one_from_its_page(
    client: Client,
    owner: Membership,
    sami: User,
    org: Organisation,
    published_story: Story,
    timeline: ChannelAccount,
    clock: testing.FakeClock,
) -> None:
    held = a_post_flagged_since(owner, published_story, timeline, clock)
    tasks.dispatch_due_posts.enqueue()
    client.force_login(sami)
    calendar = client.get(reverse("syndication:calendar", args=[org.slug])).content.decode()
    assert "Held by the safety check" in calendar
    url = reverse("syndication:safety", args=[org.slug, held.pk])
    assert url in calendar
    page = client.get(url).content.decode()
    assert f'<mark class="flag" id="flag-1">{PHONE}</mark>' in page
    response = client.post(url, {"reason": "", "text_hash": text_hash(FLAGGED)})
    assert "<title>Error: " in response.content.decode()
    response = client.post(url, {"reason": REASON, "text_hash": text_hash(FLAGGED)})
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.state == PostState.SCHEDULED


def test_the_worker_reads_the_card_it_attaches_not_only_the_post(
    owner: Membership,
    officer: Membership,
    published_story: Story,
    timeline: ChannelAccount,
    clock: testing.FakeClock,
) -> None:
    from groundswell.stories.services import override_safety, story_text

    post = services.schedule_post(
        owner, published_story, timeline, text="Otters!", scheduled_at=clock.moment
    )
    # The story's summary, which the link card carries, became flagged after it was
    # published (changed under us, or the guard's rules did).
    Story.objects.filter(pk=published_story.pk).update(summary=f"Ring Dana on {PHONE}.")
    tasks.dispatch_due_posts.enqueue()
    post.refresh_from_db()
    assert post.state == PostState.HELD and PHONE not in post.last_error
    assert not LocalPost.objects.exists()
    # Letting the story's words out (its safety page) and releasing the post sends it.
    published_story.refresh_from_db()
    seen = text_hash(story_text(published_story))
    override_safety(officer, published_story, REASON, seen_hash=seen)
    services.release_post(officer, post, REASON, seen_hash=text_hash(post.text))
    tasks.dispatch_due_posts.enqueue()
    post.refresh_from_db()
    assert post.state == PostState.SENT


def test_a_text_only_post_is_not_held_for_its_story_card(
    owner: Membership, published_story: Story, timeline: ChannelAccount, clock: testing.FakeClock
) -> None:
    post = services.schedule_post(
        owner,
        published_story,
        timeline,
        text="Otters!",
        scheduled_at=clock.moment,
        attachment="none",
    )
    Story.objects.filter(pk=published_story.pk).update(summary=f"Ring Dana on {PHONE}.")
    tasks.dispatch_due_posts.enqueue()
    post.refresh_from_db()
    assert post.state == PostState.SENT


def test_scheduling_overridden_text_keeps_no_copy_of_it_in_the_log(
    owner: Membership, published_story: Story, timeline: ChannelAccount, clock: testing.FakeClock
) -> None:
    flagged = services.schedule_post(
        owner,
        published_story,
        timeline,
        text=FLAGGED,
        scheduled_at=clock.moment,
        safety_reason=REASON,
    )
    entry = AuditEntry.objects.get(action="syndication.schedule", target_id=str(flagged.pk))
    assert PHONE not in str(entry.changes)
    assert text_hash(FLAGGED)[:16] in entry.changes["text"][1]
    override = AuditEntry.objects.get(action="safety.override")
    assert REASON not in override.summary and REASON not in str(override.changes)
    plain = services.schedule_post(
        owner, published_story, timeline, text="Otters!", scheduled_at=clock.moment
    )
    kept = AuditEntry.objects.get(action="syndication.schedule", target_id=str(plain.pk))
    assert kept.changes["text"] == ["", "Otters!"]
