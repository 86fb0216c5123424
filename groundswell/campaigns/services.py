from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from groundswell.accounts.access import require
from groundswell.accounts.models import Membership
from groundswell.audit.services import diff, record
from groundswell.lib.image_regions import stored_bytes
from groundswell.lib.images import BLUR, CROP, Box, ProcessedImage
from groundswell.lib.images import edit_image as edit_picture
from groundswell.safety import services as safety

from . import media
from .models import PUBLIC_STATUSES, Campaign

FIELDS = (
    "title", "slug", "summary", "change_sought", "status",
    "starts_on", "ends_on", "languages", "cover_alt",
)  # fmt: skip


# What the safety gate reads of a campaign: all it shows publicly as text.
TEXT_FIELDS = ("title", "summary", "change_sought", "cover_alt")


def campaign_text(campaign: Campaign) -> str:
    return "\n\n".join(part for part in (getattr(campaign, f) for f in TEXT_FIELDS) if part)


def _gate(membership: Membership, campaign: Campaign, reason: str) -> None:
    """A public campaign's words pass the safety gate (going live, and every edit while
    live); a draft may hold flagged words, checked again when it goes public."""
    if campaign.is_public:
        safety.gate(membership, "campaign", campaign, campaign_text(campaign), reason=reason)


# A petition's gated words as actions.services.petition_text reads them: campaigns may not
# import actions (content-below-signing), so a test keeps the two the same.
PETITION_TEXT = ("title", "ask", "target_name", "target_role")


def petitions_text(campaign: Campaign) -> list[tuple[Any, str]]:
    """Each petition under the campaign with its words: public once the campaign is."""
    if campaign.pk is None:
        return []
    return [
        (
            petition,
            "\n\n".join(part for part in (getattr(petition, f) for f in PETITION_TEXT) if part),
        )
        for petition in campaign.petitions.order_by("pk")
    ]


def _gate_petitions(membership: Membership, campaign: Campaign, reason: str) -> None:
    for petition, text in petitions_text(campaign):
        safety.gate(membership, "petition", petition, text, reason=reason)


def _snapshot(campaign: Campaign) -> dict[str, Any]:
    return {field: getattr(campaign, field) for field in FIELDS}


def _save(
    campaign: Campaign, cover: ProcessedImage | None, update_fields: list[str] | None
) -> list[str]:
    """Save the campaign; the names of the cover files a new cover replaced."""
    replaced = media.cover_names(campaign) if cover is not None else []
    if cover is not None:
        campaign.cover.save(cover.large.name or "cover.jpg", cover.large, save=False)
        campaign.cover_small.save(cover.small.name or "cover-small.jpg", cover.small, save=False)
        if update_fields is not None:
            update_fields += ["cover", "cover_small"]
    try:
        with transaction.atomic():
            campaign.save(update_fields=update_fields)
    except IntegrityError:
        raise ValidationError(
            {"slug": _("That address name is already used in this organisation.")}
        ) from None
    return replaced


@transaction.atomic
def create_campaign(
    membership: Membership,
    data: dict[str, Any],
    *,
    cover: ProcessedImage | None = None,
    safety_reason: str = "",
) -> Campaign:
    require(membership, "content.write")
    campaign = Campaign(organisation=membership.organisation)
    for field in FIELDS:
        if field in data:
            setattr(campaign, field, data[field])
    replaced = _save(campaign, cover, None)
    # After saving, so an override has a row to name; a refusal rolls the row back.
    _gate(membership, campaign, safety_reason)
    record(
        organisation=membership.organisation,
        actor=membership.user,
        action="campaign.create",
        target=campaign,
        summary=_("Created campaign #%(id)s") % {"id": campaign.pk},
    )
    media.after_save(campaign, replaced)
    return campaign


@transaction.atomic
def update_campaign(
    membership: Membership,
    campaign: Campaign,
    data: dict[str, Any],
    *,
    cover: ProcessedImage | None = None,
    safety_reason: str = "",
) -> Campaign:
    require(membership, "content.write")
    # Re-read the row: a bound ModelForm has already written its data onto `campaign`.
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    before = _snapshot(campaign)
    for field in FIELDS:
        if field in data:
            setattr(campaign, field, data[field])
    changes = diff(before, _snapshot(campaign))
    if not changes and cover is None:
        return campaign
    if {"status", *TEXT_FIELDS} & set(changes):
        _gate(membership, campaign, safety_reason)
    if "status" in changes and campaign.is_public and before["status"] not in PUBLIC_STATUSES:
        _gate_petitions(membership, campaign, safety_reason)  # they go public with it
    replaced = _save(campaign, cover, [*changes, "updated_at"])
    if safety.covering_override(
        "campaign", campaign, campaign_text(campaign), organisation=membership.organisation
    ):
        changes = safety.withhold(changes, TEXT_FIELDS)
    summary = _("Edited campaign #%(id)s: %(fields)s") % {
        "id": campaign.pk,
        "fields": ", ".join([*changes, *(["cover"] if cover else [])]),
    }
    record(
        organisation=membership.organisation,
        actor=membership.user,
        action="campaign.update",
        target=campaign,
        summary=summary,
        changes=changes,
    )
    media.after_save(campaign, replaced)
    return campaign


@transaction.atomic
def edit_cover(membership: Membership, campaign: Campaign, *, operation: str, box: Box) -> Campaign:
    """Blur a region of the campaign's cover for good, or crop the cover to it.

    Both renditions are made afresh from the changed pixels under new names; the old files
    go from storage, public copies included, once this commits (media.after_save). The
    audit entry keeps the box, never the picture.
    """
    require(membership, "content.write")
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if not campaign.cover:
        raise ValidationError(_("This campaign has no cover image to change."))
    processed = edit_picture(stored_bytes(campaign.cover), operation, box, name="cover")
    replaced = _save(campaign, processed, ["updated_at"])
    summaries = {
        BLUR: _("Blurred a region of the cover of campaign #%(id)s"),
        CROP: _("Cropped the cover of campaign #%(id)s"),
    }
    record(
        organisation=membership.organisation,
        actor=membership.user,
        action=f"campaign.cover_{operation}",
        target=campaign,
        summary=summaries[operation] % {"id": campaign.pk},
        changes={"box": [None, box.as_percent()]},
    )
    media.after_save(campaign, replaced)
    return campaign
