"""Staff writes on petitions: creating and changing them, and the updates sent to signers.

Each checks access, passes the words the public will read through the safety gate while the
petition is public, writes the audit entry and queues what follows (tasks.py).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from groundswell.accounts.access import require
from groundswell.accounts.models import Membership
from groundswell.audit.services import diff, record
from groundswell.safety import services as safety
from groundswell.supporters.models import ConsentWording

from .models import Petition, PetitionTally, PetitionUpdate

DEFAULT_CONSENT = _(
    "I sign this petition. My name, and my country or postcode if I give them, will be "
    "delivered to the decision-maker. My email address stays with the organisation."
)
DEFAULT_UPDATES = _("Keep me updated about this campaign and the organisation's work by email.")


# --- Staff writes --------------------------------------------------------------------------

PETITION_FIELDS = (
    "title", "ask", "target_name", "target_role", "target_email", "goal", "deadline",
    "collect_country", "collect_postcode", "collect_comment", "status", "campaign",
)  # fmt: skip


# What the safety gate reads of a petition: the words its page and emails show.
PETITION_TEXT = ("title", "ask", "target_name", "target_role")


def petition_text(petition: Petition) -> str:
    return "\n\n".join(part for part in (getattr(petition, f) for f in PETITION_TEXT) if part)


def gate_petition(membership: Membership, petition: Petition, reason: str = "") -> None:
    """A petition is public while its campaign is: then its words pass the safety gate."""
    if petition.campaign.is_public:
        safety.gate(membership, "petition", petition, petition_text(petition), reason=reason)


def _wording(organisation: Any, text: str, current: ConsentWording | None) -> ConsentWording:
    """Reuse the current wording if unchanged; otherwise a new version (old ones stay)."""
    text = " ".join(text.split())
    if current is not None and current.text == text:
        return current
    return ConsentWording.objects.create(organisation=organisation, text=text)


@transaction.atomic
def create_petition(
    membership: Membership, data: dict[str, Any], *, safety_reason: str = ""
) -> Petition:
    require(membership, "content.write")
    organisation = membership.organisation
    if data["campaign"].organisation_id != organisation.pk:
        raise ValidationError({"campaign": _("Choose one of your organisation's campaigns.")})
    petition = Petition(organisation=organisation)
    for name in PETITION_FIELDS:
        if name in data:
            setattr(petition, name, data[name])
    petition.consent_wording = _wording(
        organisation, data.get("consent_text") or str(DEFAULT_CONSENT), None
    )
    petition.updates_wording = _wording(
        organisation, data.get("updates_text") or str(DEFAULT_UPDATES), None
    )
    petition.save()
    gate_petition(membership, petition, safety_reason)  # a refusal rolls the row back
    PetitionTally.objects.create(petition=petition)
    record(
        organisation=organisation,
        actor=membership.user,
        action="petition.create",
        target=petition,
        summary=_("Created petition #%(id)s") % {"id": petition.pk},
    )
    return petition


@transaction.atomic
def update_petition(
    membership: Membership, petition: Petition, data: dict[str, Any], *, safety_reason: str = ""
) -> Petition:
    require(membership, "content.write")
    petition = Petition.objects.select_for_update().get(pk=petition.pk)
    organisation = membership.organisation
    if "campaign" in data and data["campaign"].organisation_id != organisation.pk:
        raise ValidationError({"campaign": _("Choose one of your organisation's campaigns.")})

    def snapshot() -> dict[str, Any]:
        values = {name: getattr(petition, name) for name in PETITION_FIELDS if name != "campaign"}
        values["campaign"] = petition.campaign_id
        values["consent_wording"] = petition.consent_wording_id
        values["updates_wording"] = petition.updates_wording_id
        return values

    before = snapshot()
    for name in PETITION_FIELDS:
        if name in data:
            setattr(petition, name, data[name])
    if data.get("consent_text"):
        petition.consent_wording = _wording(
            organisation, data["consent_text"], petition.consent_wording
        )
    if data.get("updates_text"):
        petition.updates_wording = _wording(
            organisation, data["updates_text"], petition.updates_wording
        )
    changes = diff(before, snapshot())
    if {"campaign", *PETITION_TEXT} & set(changes):
        gate_petition(membership, petition, safety_reason)
    if changes:
        petition.save()
        record(
            organisation=organisation,
            actor=membership.user,
            action="petition.update",
            target=petition,
            summary=_("Edited petition #%(id)s: %(fields)s")
            % {"id": petition.pk, "fields": ", ".join(changes)},
            changes=changes,
        )
    return petition


@transaction.atomic
def post_update(
    membership: Membership,
    petition: Petition,
    *,
    subject: str,
    body: str,
    safety_reason: str = "",
) -> PetitionUpdate:
    """Store an update and queue it to confirmed signers who want to hear more.

    Flagged text needs `safety_reason` from an owner or a safety officer, recorded as an
    override of this exact text; the worker checks the text again before each batch.
    """
    require(membership, "content.write")
    update = PetitionUpdate(petition=petition, subject=subject, body=body, author=membership.user)
    # Saved first so an override has a row to name; a refusal rolls it back.
    update.save()
    safety.gate(
        membership, "update", update, update.safety_text, reason=safety_reason, field="body"
    )
    from .tasks import queue_update

    queue_update(update)
    record(
        organisation=membership.organisation,
        actor=membership.user,
        action="petition.update_sent",
        target=petition,
        summary=_("Sent update #%(update)s to the signers of petition #%(id)s")
        % {"update": update.pk, "id": petition.pk},
    )
    return update


@transaction.atomic
def release_update(
    membership: Membership, update: PetitionUpdate, reason: str, *, seen_hash: str
) -> None:
    """Let a held update's flagged text out (an owner or a safety officer, with a reason):
    the worker carries on sending it where it stopped."""
    require(membership, "safety.override")
    update = PetitionUpdate.objects.select_for_update().get(pk=update.pk)
    text = update.safety_text
    if safety.unsafe_findings("update", update, text, organisation=membership.organisation):
        safety.override(membership, "update", update, text, reason, seen_hash=seen_hash)
    if PetitionUpdate.objects.filter(pk=update.pk).exclude(held_reason="").update(held_reason=""):
        from .tasks import queue_update

        queue_update(update)
        record(
            organisation=membership.organisation,
            actor=membership.user,
            action="petition.update_released",
            target=update.petition,
            summary=_("Released held update #%(update)s of petition #%(id)s")
            % {"update": update.pk, "id": update.petition_id},
        )


@transaction.atomic
def set_challenge(membership: Membership, petition: Petition, *, on: bool) -> bool:
    """Ask the petition's sign form for a proof of work, or stop asking; True if it changed.

    Sign forms follow within seconds: the sign path reads petitions from a cache a few
    seconds old (intake.py) and public pages are shared for a second (lib/pagecache.py).
    """
    require(membership, "content.write")
    if not Petition.objects.filter(pk=petition.pk).exclude(challenge=on).update(challenge=on):
        return False
    petition.challenge = on
    summary = (
        _("Turned the browser check on for petition #%(id)s")
        if on
        else _("Turned the browser check off for petition #%(id)s")
    )
    record(
        organisation=membership.organisation,
        actor=membership.user,
        action="petition.challenge_on" if on else "petition.challenge_off",
        target=petition,
        summary=summary % {"id": petition.pk},
        changes={"challenge": [not on, on]},
    )
    return True
