"""A story the safety guard flags is not published, approved or edited in public until an owner
or a safety officer lets that exact text out with a written reason."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.accounts.services import update_organisation
from groundswell.audit.models import AuditEntry
from groundswell.federation.models import OutboxActivity
from groundswell.lib.images import ProcessedImage, process_image
from groundswell.safety.models import SafetyOverride
from groundswell.safety.services import Flagged, text_hash
from groundswell.stories import services
from groundswell.stories.models import Story, StoryImage
from groundswell.stories.workflow import State

PHONE = "07700 900123"
FLAGGED_BODY = f"Ring the neighbour on {PHONE} if you see the van again."
REASON = "The number is the charity's own helpline, published on purpose."


@pytest.fixture
def sami(org: Organisation) -> User:
    user = testing.make_user("sami@example.org", "Sami Safety")
    testing.add_member(org, user, "safety_officer")
    return user


@pytest.fixture
def officer(sami: User, org: Organisation) -> Membership:
    return testing.membership(sami, org)


@pytest.fixture
def flagged(owner: Membership) -> Story:
    return testing.make_story(owner, title="The van on Mill Lane", body=FLAGGED_BODY)


def let_out(officer: Membership, story: Story, reason: str = REASON) -> None:
    services.override_safety(
        officer, story, reason, seen_hash=text_hash(services.story_text(story))
    )


def test_publishing_a_flagged_story_is_refused_with_each_passage_and_why(
    owner: Membership, flagged: Story
) -> None:
    with pytest.raises(Flagged) as refused:
        services.change_state(owner, flagged, "publish")
    message = " ".join(refused.value.messages)
    assert f"“{PHONE}”" in message and "phone number" in message
    assert "safety officer" in message
    flagged.refresh_from_db()
    assert flagged.state == State.DRAFT and flagged.published_at is None
    assert not OutboxActivity.objects.exists()  # nothing went to the fediverse either


def test_approving_a_flagged_story_is_refused_too(
    owner: Membership, editor: Membership, org: Organisation
) -> None:
    update_organisation(owner, {"approval_required": True})
    story = testing.make_story(editor, body=FLAGGED_BODY)
    services.change_state(editor, story, "submit")
    with pytest.raises(Flagged):
        services.change_state(owner, story, "approve")
    story.refresh_from_db()
    assert story.state == State.IN_REVIEW


def test_a_clean_story_publishes_without_any_override(owner: Membership) -> None:
    story = testing.make_story(owner, body="Volunteers counted three otters on Sunday.")
    services.change_state(owner, story, "publish")
    assert story.state == State.PUBLISHED
    assert not SafetyOverride.objects.exists()


def test_an_editor_cannot_let_flagged_text_out(editor: Membership, flagged: Story) -> None:
    with pytest.raises(PermissionDenied):
        let_out(editor, flagged)
    assert not SafetyOverride.objects.exists()


def test_a_safety_officer_lets_it_out_with_a_reason_and_the_log_says_so(
    owner: Membership, officer: Membership, sami: User, flagged: Story
) -> None:
    let_out(officer, flagged)
    override = SafetyOverride.objects.get()
    assert (override.kind, override.object_id, override.by) == ("story", str(flagged.pk), sami)
    assert override.reason == REASON
    assert override.text_hash == text_hash(services.story_text(flagged))
    assert override.findings[0]["kind"] == "phone" and override.findings[0]["text"] == PHONE
    entry = AuditEntry.objects.get(action="safety.override")
    assert entry.actor == sami and entry.target_id == str(flagged.pk)
    # The free-text reason stays on the override row (the safety page shows it): written
    # by staff about the flagged passage, it often repeats the personal data.
    assert REASON not in entry.summary and REASON not in str(entry.changes)
    assert entry.changes["override"] == ["", override.pk]
    assert PHONE not in entry.summary and PHONE not in str(entry.changes)  # no personal data

    services.change_state(owner, flagged, "publish")  # anyone who may publish, now
    assert flagged.state == State.PUBLISHED
    assert OutboxActivity.objects.filter(type="Create").count() == 1


def test_an_owner_may_let_it_out_too(owner: Membership, flagged: Story) -> None:
    let_out(owner, flagged)
    services.change_state(owner, flagged, "publish")
    assert flagged.state == State.PUBLISHED


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_override_needs_a_written_reason(
    officer: Membership, flagged: Story, reason: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        let_out(officer, flagged, reason)
    assert "reason" in refused.value.message_dict
    assert (
        not SafetyOverride.objects.exists()
        and not AuditEntry.objects.filter(action="safety.override").exists()
    )


def test_an_override_of_text_the_officer_did_not_read_is_refused(
    officer: Membership, flagged: Story
) -> None:
    with pytest.raises(ValidationError, match="changed after you read it"):
        services.override_safety(officer, flagged, REASON, seen_hash=text_hash("older text"))
    assert not SafetyOverride.objects.exists()


def test_an_edit_after_the_override_is_checked_again(
    owner: Membership, officer: Membership, flagged: Story
) -> None:
    let_out(officer, flagged)
    services.change_state(owner, flagged, "publish")
    edited = FLAGGED_BODY.replace(PHONE, "07700 900456")
    with pytest.raises(Flagged):
        services.update_story(owner, flagged, {"body": edited})
    flagged.refresh_from_db()
    assert flagged.body == FLAGGED_BODY  # the refused edit changed nothing
    assert OutboxActivity.objects.filter(type="Update").count() == 0
    # A draft may hold flagged text (nobody sees it), but publishing it again is refused.
    services.change_state(owner, flagged, "unpublish")
    services.update_story(owner, flagged, {"body": edited})
    with pytest.raises(Flagged):
        services.change_state(owner, flagged, "publish")


def test_whoever_may_let_it_out_can_edit_a_published_story_with_a_reason(
    owner: Membership, flagged: Story
) -> None:
    let_out(owner, flagged)
    services.change_state(owner, flagged, "publish")
    edited = FLAGGED_BODY + " Calls are free."
    services.update_story(owner, flagged, {"body": edited}, safety_reason=REASON)
    flagged.refresh_from_db()
    assert flagged.body == edited
    assert SafetyOverride.objects.count() == 2
    assert OutboxActivity.objects.filter(type="Update").count() == 1


def test_feeds_and_the_outbox_never_carry_a_story_the_gate_refused(
    client: Client, owner: Membership, org: Organisation, flagged: Story
) -> None:
    """Feeds and the ActivityPub outbox show published stories only, so gating publishing
    gates them: a clean story published beside the refused one shows they are read."""
    clean = testing.make_story(owner, title="Otters counted", slug="otters", body="Three.")
    services.change_state(owner, clean, "publish")
    with pytest.raises(Flagged):
        services.change_state(owner, flagged, "publish")
    for name in ("feed.rss", "feed.atom", "feed.json"):
        body = client.get(f"/o/{org.slug}/{name}").content.decode()
        assert clean.title in body
        assert flagged.title not in body and PHONE not in body
    outbox = client.get(reverse("federation:outbox", args=[org.pk]), {"page": 1})
    assert clean.get_absolute_url() in outbox.content.decode()
    assert PHONE not in outbox.content.decode() and flagged.slug not in outbox.content.decode()
    assert client.get(flagged.get_absolute_url()).status_code == 404


# --- The pages ------------------------------------------------------------------------------


def test_the_edit_page_marks_each_flagged_passage_with_its_reason(
    client: Client, bob: User, flagged: Story, org: Organisation
) -> None:
    client.force_login(bob)
    html = client.get(reverse("stories:staff_edit", args=[org.slug, flagged.pk])).content.decode()
    assert "Safety check" in html
    assert f'<mark class="flag" id="flag-1">{PHONE}</mark>' in html
    assert "[1: A phone number" in html  # the reason in words, not colour alone
    # bob is an editor: he is told who can decide, and gets no override form.
    assert "Only an owner or a safety officer can let flagged text out." in html
    assert 'name="reason"' not in html


def test_a_blocked_publish_says_why_on_the_edit_page(
    client: Client, alice: User, flagged: Story, org: Organisation
) -> None:
    client.force_login(alice)
    response = client.post(
        reverse("stories:staff_transition", args=[org.slug, flagged.pk]),
        {"action": "publish"},
        follow=True,
    )
    html = response.content.decode()
    assert "The safety check flagged 1 passage" in html
    assert '<mark class="flag"' in html and 'name="reason"' in html
    flagged.refresh_from_db()
    assert flagged.state == State.DRAFT


def test_a_preview_marks_what_was_typed_before_it_is_saved(
    client: Client, alice: User, org: Organisation
) -> None:
    client.force_login(alice)
    response = client.post(
        reverse("stories:staff_new", args=[org.slug]),
        {
            "title": "Lost dog",
            "slug": "lost-dog",
            "language": "en",
            "summary": "",
            "body": "Write to finder.person@gmail.com",
            "preview": "1",
        },
    )
    html = response.content.decode()
    assert '<mark class="flag" id="flag-1">finder.person@gmail.com</mark>' in html
    assert not Story.objects.exists()


def test_the_safety_officer_lets_it_out_from_the_page_the_govuk_way(
    client: Client, sami: User, flagged: Story, org: Organisation
) -> None:
    client.force_login(sami)
    url = reverse("stories:staff_safety", args=[org.slug, flagged.pk])
    digest = text_hash(services.story_text(flagged))
    page = client.get(url).content.decode()
    assert f'value="{digest}"' in page

    response = client.post(url, {"reason": "", "text_hash": digest})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in html and 'class="error-summary"' in html
    assert 'aria-describedby="id_reason_helptext id_reason_error"' in html
    assert not SafetyOverride.objects.exists()

    response = client.post(url, {"reason": REASON, "text_hash": digest})
    assert response.status_code == 302
    assert SafetyOverride.objects.get().reason == REASON


def test_an_editor_posting_an_override_is_refused(
    client: Client, bob: User, flagged: Story, org: Organisation
) -> None:
    client.force_login(bob)
    url = reverse("stories:staff_safety", args=[org.slug, flagged.pk])
    digest = text_hash(services.story_text(flagged))
    assert client.post(url, {"reason": REASON, "text_hash": digest}).status_code == 403
    assert not SafetyOverride.objects.exists()


def test_an_owner_editing_a_published_story_decides_in_the_same_form_and_loses_nothing(
    client: Client, alice: User, owner: Membership, flagged: Story, org: Organisation
) -> None:
    let_out(owner, flagged)
    services.change_state(owner, flagged, "publish")
    client.force_login(alice)
    url = reverse("stories:staff_edit", args=[org.slug, flagged.pk])
    edited = FLAGGED_BODY + " Ask for Priya."
    fields = {
        "title": flagged.title,
        "slug": flagged.slug,
        "language": "en",
        "summary": "",
        "body": edited,
        "save": "1",
    }
    response = client.post(url, fields)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in html and "Ask for Priya." in html  # what was typed is kept
    assert 'name="safety_reason"' in html
    flagged.refresh_from_db()
    assert flagged.body == FLAGGED_BODY

    response = client.post(url, {**fields, "safety_reason": REASON})
    assert response.status_code == 302
    flagged.refresh_from_db()
    assert flagged.body == edited


def test_the_staff_preview_shows_the_safety_check(
    client: Client, bob: User, flagged: Story, org: Organisation
) -> None:
    client.force_login(bob)
    html = client.get(
        reverse("stories:staff_preview", args=[org.slug, flagged.pk])
    ).content.decode()
    assert f'<mark class="flag" id="flag-1">{PHONE}</mark>' in html


# --- Image descriptions travel with the story -----------------------------------------------


def _picture() -> ProcessedImage:
    return process_image(io.BytesIO(testing.image_bytes()), name="van")


def test_an_image_description_is_checked_with_the_story(owner: Membership) -> None:
    story = testing.make_story(owner, body="Volunteers counted three otters on Sunday.")
    services.add_image(owner, story, _picture(), alt_text=f"A sign saying ring {PHONE}")
    with pytest.raises(Flagged) as refused:
        services.change_state(owner, story, "publish")
    assert PHONE in " ".join(refused.value.messages)


def test_a_flagged_image_description_is_not_added_to_a_published_story(
    client: Client, alice: User, owner: Membership, org: Organisation
) -> None:
    story = testing.make_story(owner, body="Volunteers counted three otters on Sunday.")
    services.change_state(owner, story, "publish")
    client.force_login(alice)
    response = client.post(
        reverse("stories:staff_image_add", args=[org.slug, story.pk]),
        {
            "image": SimpleUploadedFile("van.png", testing.image_bytes(), "image/png"),
            "alt_text": f"A sign saying ring {PHONE}",
        },
    )
    assert response.status_code == 400
    assert "id_alt_text_error" in response.content.decode()
    assert not StoryImage.objects.exists()
    services.add_image(owner, story, _picture(), alt_text="Two otters on a muddy bank")
    assert StoryImage.objects.count() == 1


def test_the_link_and_its_fetched_card_are_part_of_what_the_gate_reads(
    owner: Membership, editor: Membership
) -> None:
    from groundswell.stories.models import LinkCard, LinkCardStatus

    link = f"https://example.org/call/{PHONE.replace(' ', '-')}"
    story = testing.make_story(editor, link_url="https://example.org/report")
    assert "https://example.org/report" in services.story_text(story)
    card = LinkCard.objects.get(url="https://example.org/report")
    LinkCard.objects.filter(pk=card.pk).update(
        status=LinkCardStatus.READY, title="Report", description=f"Ring Dana on {PHONE}"
    )
    story.refresh_from_db()
    assert PHONE in services.story_text(story)
    with pytest.raises(Flagged):
        services.change_state(owner, story, "publish")
    clean = testing.make_story(editor, slug="clean-one", title="Otters", body="Otters are back.")
    services.change_state(owner, clean, "publish")
    with pytest.raises(Flagged):
        services.update_story(editor, clean, {"link_url": f"{link}?who=dana@example.com"})
    clean.refresh_from_db()
    assert clean.link_url == ""


def test_an_edit_of_overridden_words_keeps_no_copy_of_them_in_the_log(
    owner: Membership, flagged: Story
) -> None:
    let_out(owner, flagged)
    services.change_state(owner, flagged, "publish")
    edited = FLAGGED_BODY + " Calls are free."
    services.update_story(owner, flagged, {"body": edited}, safety_reason=REASON)
    entry = AuditEntry.objects.filter(action="story.update").latest("pk")
    assert PHONE not in str(entry.changes) and PHONE not in entry.summary
    before, after = entry.changes["body"]
    assert "withheld" in before and text_hash(edited)[:16] in after
    plain = testing.make_story(owner, slug="plain", title="Plain", body="Nothing to see.")
    services.update_story(owner, plain, {"body": "Still nothing to see."})
    kept = AuditEntry.objects.filter(action="story.update").latest("pk")
    assert kept.changes["body"] == ["Nothing to see.", "Still nothing to see."]
