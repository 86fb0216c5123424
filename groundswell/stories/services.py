from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.accounts.access import require
from groundswell.accounts.models import Membership
from groundswell.audit.services import diff, record
from groundswell.federation import services as federation
from groundswell.lib.html import render_markdown
from groundswell.lib.image_regions import stored_bytes
from groundswell.lib.images import BLUR, CROP, Box, ProcessedImage
from groundswell.lib.images import edit_image as edit_picture
from groundswell.safety import services as safety

from . import media, tasks
from .gated_text import compose_text
from .gated_text import story_text as story_text  # the text every caller gates
from .models import LinkCard, LinkCardStatus, Story, StoryImage, StoryRevision
from .workflow import State, find_transition

CONTENT_FIELDS = ("title", "summary", "body", "link_url")
FIELDS = (*CONTENT_FIELDS, "slug", "language", "campaign")


def _snapshot(story: Story) -> dict[str, Any]:
    values = {field: getattr(story, field) for field in FIELDS if field != "campaign"}
    values["campaign"] = story.campaign_id
    return values


def _keep_revision(story: Story, membership: Membership) -> None:
    story.revision += 1
    StoryRevision.objects.create(
        story=story,
        number=story.revision,
        title=story.title,
        summary=story.summary,
        body=story.body,
        link_url=story.link_url,
        edited_by=membership.user,
    )


def _attach_link_card(story: Story) -> None:
    """Point the story at a card for its link, reusing one already fetched, else queue one."""
    story.card_held = ""  # another card, or none: what held the old one is moot
    if not story.link_url:
        story.link_card = None
        return
    card = (
        LinkCard.objects.filter(organisation=story.organisation, url=story.link_url)
        .exclude(status=LinkCardStatus.FAILED)
        .first()
    )
    if card is None:
        card = LinkCard.objects.create(organisation=story.organisation, url=story.link_url)
        tasks.queue_link_card(card.pk)
    story.link_card = card


def _check_campaign(membership: Membership, data: dict[str, Any]) -> None:
    campaign = data.get("campaign")
    if campaign is not None and campaign.organisation_id != membership.organisation_id:
        raise ValidationError({"campaign": _("Choose one of your organisation's campaigns.")})


def _save(story: Story, update_fields: list[str] | None = None) -> None:
    try:
        with transaction.atomic():
            story.save(update_fields=update_fields)
    except IntegrityError:
        raise ValidationError(
            {"slug": _("That address name is already used in this organisation.")}
        ) from None


@transaction.atomic
def create_story(membership: Membership, data: dict[str, Any]) -> Story:
    require(membership, "content.write")
    _check_campaign(membership, data)
    story = Story(organisation=membership.organisation, author=membership.user)
    for field in FIELDS:
        if field in data:
            setattr(story, field, data[field])
    story.body_html = render_markdown(story.body)
    _attach_link_card(story)
    _save(story)
    _keep_revision(story, membership)
    story.save(update_fields=["revision"])
    record(
        organisation=membership.organisation,
        actor=membership.user,
        action="story.create",
        target=story,
        summary=_("Wrote story #%(id)s") % {"id": story.pk},
    )
    return story


def _withdraw_approval(membership: Membership, story: Story) -> list[str]:
    """Approval belongs to the content approved: an edit by a non-approver withdraws it.

    Returns the fields changed on `story` (not saved here). Text and images alike count.
    """
    if membership.can("content.approve"):
        return []
    if story.state == State.PUBLISHED:
        raise PermissionDenied(
            _(
                "This story is published and changes need an owner's approval. "
                "Unpublish it and submit it again, or ask an owner to edit it."
            )
        )
    if story.state in (State.IN_REVIEW, State.APPROVED):
        story.state = State.DRAFT
        story.review_note = _("Edited after it was submitted; submit it again.")
        return ["state", "review_note"]
    return []


def _image_change(membership: Membership, story: Story) -> Story:
    require(membership, "content.write")
    story = Story.objects.select_for_update().get(pk=story.pk)
    changed = _withdraw_approval(membership, story)
    if changed:
        story.save(update_fields=[*changed, "updated_at"])
    return story


@transaction.atomic
def update_story(
    membership: Membership, story: Story, data: dict[str, Any], *, safety_reason: str = ""
) -> Story:
    """Save an edit as a new revision.

    Approval belongs to the content that was approved: when someone who may not approve
    edits a story that is in review or approved, it goes back to draft; such a person
    cannot change a published story at all in an organisation that requires approval.
    An edit of a published story goes out at once, so it passes the safety check first
    (`safety_reason`: an owner's or safety officer's reason to let flagged text out).
    """
    require(membership, "content.write")
    _check_campaign(membership, data)
    story = Story.objects.select_for_update().get(pk=story.pk)
    before = _snapshot(story)
    text_before = story_text(story)
    for field in FIELDS:
        if field in data:
            setattr(story, field, data[field])
    changes = diff(before, _snapshot(story))
    if not changes:
        return story
    if (
        "slug" in changes
        and story.state == State.PUBLISHED
        and not membership.can("content.approve")
    ):
        raise PermissionDenied(
            _(
                "This story is published, so its address is in links people have shared. "
                "Only an owner can change it in an organisation that requires approval."
            )
        )
    update_fields = [*changes, "updated_at"]
    content_changed = any(field in changes for field in CONTENT_FIELDS)
    if content_changed:
        update_fields += _withdraw_approval(membership, story)
    if "link_url" in changes:
        # Before the gate: the card's fetched words are part of what it reads.
        _attach_link_card(story)
        update_fields += ["link_card", "card_held"]
    if content_changed and story.state == State.PUBLISHED:
        _gate(membership, story, safety_reason)
        if story.card_held:
            story.card_held = ""  # the gate read the card's words with the rest: shown again
            update_fields.append("card_held")
    if "body" in changes:
        story.body_html = render_markdown(story.body)
        update_fields.append("body_html")
    if content_changed:
        _keep_revision(story, membership)
        update_fields.append("revision")
    _save(story, update_fields)
    if content_changed:
        federation.story_updated(story)  # only published stories go anywhere
    if _was_flagged(membership, story, text_before):
        changes = safety.withhold(changes, CONTENT_FIELDS)
    record(
        organisation=membership.organisation,
        actor=membership.user,
        action="story.update",
        target=story,
        summary=_("Edited story #%(id)s: %(fields)s")
        % {"id": story.pk, "fields": ", ".join(changes)},
        changes=changes,
    )
    return story


def _was_flagged(membership: Membership, story: Story, text_before: str) -> bool:
    """Whether an override let the story's old or new words out: then the audit log keeps
    no copy of them (it would be a second home for the personal data)."""
    organisation = membership.organisation
    return any(
        safety.covering_override("story", story, text, organisation=organisation)
        for text in (text_before, story_text(story))
    )


def _gate(membership: Membership, story: Story, reason: str = "") -> None:
    """Refuse to let the story's current text out while the guard flags it, unless an
    override covers this exact text (or `reason` records one now)."""
    safety.gate(membership, "story", story, story_text(story), reason=reason)


@transaction.atomic
def override_safety(membership: Membership, story: Story, reason: str, *, seen_hash: str) -> None:
    """Let the story's saved text out although the guard flags it (an owner or safety officer)."""
    story = Story.objects.select_for_update().get(pk=story.pk)
    safety.override(membership, "story", story, story_text(story), reason, seen_hash=seen_hash)
    # The override covers the text with the card's words: a held card is shown again.
    Story.objects.filter(pk=story.pk).exclude(card_held="").update(card_held="")


@transaction.atomic
def change_state(membership: Membership, story: Story, action: str, *, note: str = "") -> Story:
    """Move a story along the workflow, or explain why it cannot move."""
    transition = find_transition(action, story.state)
    if transition is None:
        raise ValidationError(
            _("A story that is %(state)s cannot be sent to “%(action)s”.")
            % {"state": story.get_state_display().lower(), "action": action}
        )
    if transition.refusal and not membership.can(transition.permission):
        raise PermissionDenied(transition.refusal)
    require(membership, transition.permission)
    if transition.target in (State.APPROVED, State.PUBLISHED):
        # Read under the row's lock: the text approved or published is the text checked.
        current = Story.objects.select_for_update().get(pk=story.pk)
        _gate(membership, current)
    now = timezone.now()
    updates: dict[str, Any] = {"state": transition.target, "updated_at": now}
    if transition.target in (State.APPROVED, State.PUBLISHED):
        updates["card_held"] = ""  # the gate read the card's words too, and let them out
    if transition.target == State.IN_REVIEW:
        updates.update(submitted_at=now, review_note="")
    if transition.target == State.DRAFT:
        updates.update(review_note=note[:500], approved_revision=None)
    if transition.target == State.APPROVED or (
        transition.target == State.PUBLISHED and story.approved_revision != story.revision
    ):
        updates.update(
            approved_by=membership.user, approved_at=now, approved_revision=story.revision
        )
    if transition.target == State.PUBLISHED and story.published_at is None:
        updates["published_at"] = now
    # Conditional update: if someone else moved the story meanwhile, nothing happens here.
    moved = Story.objects.filter(pk=story.pk, state=story.state).update(**updates)
    if not moved:
        raise ValidationError(_("Someone else changed this story just now; look again."))
    old_state = story.state
    for key, value in updates.items():
        setattr(story, key, value)
    # Publishing on the hub is publishing to the fediverse: followers get Create / Delete.
    if transition.target == State.PUBLISHED:
        federation.story_published(story)
    elif old_state == State.PUBLISHED:
        federation.story_unpublished(story)
    record(
        organisation=membership.organisation,
        actor=membership.user,
        action=f"story.{transition.name}",
        target=story,
        summary=_("%(action)s: story #%(id)s") % {"action": transition.label, "id": story.pk},
        changes={"state": [old_state, transition.target], **({"note": ["", note]} if note else {})},
    )
    if State.PUBLISHED in (old_state, transition.target):
        # Last, so that nothing after it in this transaction can fail and leave the files
        # public for a story whose publishing was rolled back.
        media.sync_story(story)
    return story


@transaction.atomic
def add_image(
    membership: Membership, story: Story, processed: ProcessedImage, *, alt_text: str
) -> StoryImage:
    if not alt_text.strip():
        raise ValidationError(_("Describe the image for people who cannot see it."))
    story = _image_change(membership, story)
    if story.state == State.PUBLISHED:
        # A published story's new image goes out at once: its description is checked as part
        # of the story's text (the new image comes last), before any file is written.
        text = compose_text(story_text(story), alt_text.strip(), "")
        safety.require_safe(
            "story", story, text, organisation=membership.organisation, field="alt_text"
        )
    image = StoryImage(
        organisation=membership.organisation,
        story=story,
        width=processed.width,
        height=processed.height,
        # Kept for feeds' enclosure length, which would otherwise ask the storage per item.
        image_bytes=processed.large.size,
        alt_text=alt_text.strip(),
        uploaded_by=membership.user,
    )
    image.image.save(processed.large.name or "image.jpg", processed.large, save=False)
    image.small.save(processed.small.name or "image-small.jpg", processed.small, save=False)
    image.save()
    if story.cover_id is None:
        story.cover = image
        story.save(update_fields=["cover", "updated_at"])
    federation.story_updated(story)  # images travel with the story (only if published)
    record(
        organisation=membership.organisation,
        actor=membership.user,
        action="story.image_add",
        target=story,
        summary=_("Added image #%(image)s to story #%(id)s") % {"image": image.pk, "id": story.pk},
    )
    if story.state == State.PUBLISHED:
        media.sync_story(story)
    image.refresh_from_db(fields=["public"])
    return image


@transaction.atomic
def remove_image(membership: Membership, story: Story, image: StoryImage) -> None:
    story = _image_change(membership, story)
    if story.cover_id == image.pk:
        story.cover = story.images.exclude(pk=image.pk).first()
        story.save(update_fields=["cover", "updated_at"])
    image_id = image.pk
    image.delete()
    # Pages stop linking it with the row; the files go once the row is surely gone.
    media.delete_files(image)
    federation.story_updated(story)
    record(
        organisation=membership.organisation,
        actor=membership.user,
        action="story.image_remove",
        target=story,
        summary=_("Removed image #%(image)s from story #%(id)s")
        % {"image": image_id, "id": story.pk},
    )


@transaction.atomic
def set_cover(membership: Membership, story: Story, image: StoryImage) -> None:
    story = _image_change(membership, story)
    story.cover = image
    story.save(update_fields=["cover", "updated_at"])
    federation.story_updated(story)
    record(
        organisation=membership.organisation,
        actor=membership.user,
        action="story.cover",
        target=story,
        summary=_("Chose image #%(image)s as the cover of story #%(id)s")
        % {"image": image.pk, "id": story.pk},
    )


@transaction.atomic
def edit_image(
    membership: Membership, story: Story, image: StoryImage, *, operation: str, box: Box
) -> StoryImage:
    """Blur a region of a story image for good, or crop the image to it.

    The kept file and every rendition are made afresh from the changed pixels under new
    names, and the old files are deleted from storage, public copies included, once this
    commits: the unblurred picture survives nowhere of ours. Approval is withdrawn as for
    any other image change. The audit entry keeps the box, never the picture.
    """
    story = _image_change(membership, story)
    image = StoryImage.objects.select_for_update().get(pk=image.pk, story=story)
    processed = edit_picture(stored_bytes(image.image), operation, box)
    old_names = [name for name in (image.image.name, image.small.name) if name]
    image.image.save(processed.large.name or "image.jpg", processed.large, save=False)
    image.small.save(processed.small.name or "image-small.jpg", processed.small, save=False)
    image.width, image.height = processed.width, processed.height
    image.image_bytes = processed.large.size
    image.save(update_fields=["image", "small", "width", "height", "image_bytes"])
    federation.story_updated(story)  # followers fetch the new address (only if published)
    summaries = {
        BLUR: _("Blurred a region of image #%(image)s of story #%(id)s"),
        CROP: _("Cropped image #%(image)s of story #%(id)s"),
    }
    record(
        organisation=membership.organisation,
        actor=membership.user,
        action=f"story.image_{operation}",
        target=story,
        summary=summaries[operation] % {"image": image.pk, "id": story.pk},
        changes={"image": [None, image.pk], "box": [None, box.as_percent()]},
    )
    media.replace_files(story, old_names)
    return image
