"""The ideas app's verbs: challenges and statuses (staff), contributions (the public).

A contribution (idea, comment, pledge) is one INSERT in the request plus its queued
confirmation email; the emailed link confirms it (`confirm`), which ties it to the
organisation's one record for the person. Votes take the lean intake path (intake.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from groundswell.accounts.access import require
from groundswell.accounts.models import Membership
from groundswell.audit.services import record
from groundswell.lib.emails import normalise_email
from groundswell.safety import services as safety
from groundswell.supporters.models import ConsentWording, Purpose, Supporter
from groundswell.supporters.services import find_or_create_supporter, new_consent

from . import emails
from .models import (
    Challenge,
    Comment,
    Confirmation,
    Idea,
    IdeaPledge,
    IdeaStatus,
    StatusChange,
    Vote,
    VoteState,
)

Row = Idea | Comment | IdeaPledge
DEFAULT_UPDATES = gettext_lazy(
    "Email me when an idea I took part in changes status, and with news of this challenge."
)
CHALLENGE_FIELDS = ("campaign", "question", "description", "opens_at", "closes_at", "currency")


@dataclass
class Person:
    """Who is contributing, as the public form gave it."""

    email: str
    given_name: str
    language: str = ""
    wants_updates: bool = False


def _wording(organisation: Any, text: str, current: ConsentWording | None) -> ConsentWording:
    text = " ".join(text.split())
    if current is not None and current.text == text:
        return current
    return ConsentWording.objects.create(organisation=organisation, text=text)


def _gate_challenge(membership: Membership, challenge: Challenge, reason: str) -> None:
    text = f"{challenge.question}\n\n{challenge.description}".strip()
    safety.gate(membership, "challenge", challenge, text, reason=reason)


@transaction.atomic
def save_challenge(
    membership: Membership,
    challenge: Challenge | None,
    data: dict[str, Any],
    *,
    safety_reason: str = "",
) -> Challenge:
    """Create (`challenge` None) or edit a challenge; its words pass the safety gate."""
    require(membership, "content.write")
    organisation = membership.organisation
    campaign = data.get("campaign")
    if campaign is not None and campaign.organisation_id != organisation.pk:
        raise ValidationError({"campaign": _("Choose one of your organisation's campaigns.")})
    if data["closes_at"] <= data["opens_at"]:
        raise ValidationError({"closes_at": _("The closing date must be after the opening date.")})
    creating = challenge is None
    if challenge is None:
        challenge = Challenge(organisation=organisation)
    else:
        challenge = Challenge.objects.select_for_update().get(pk=challenge.pk)
    for name in CHALLENGE_FIELDS:
        if name in data:
            setattr(challenge, name, data[name])
    current = None if creating else challenge.updates_wording
    challenge.updates_wording = _wording(
        organisation, data.get("updates_text") or str(DEFAULT_UPDATES), current
    )
    challenge.save()
    _gate_challenge(membership, challenge, safety_reason)  # a refusal rolls it back
    record(
        organisation=organisation,
        actor=membership.user,
        action="challenge.create" if creating else "challenge.update",
        target=challenge,
        summary=(_("Created challenge #%(id)s") if creating else _("Edited challenge #%(id)s"))
        % {"id": challenge.pk},
    )
    return challenge


def _fill(row: Row, organisation_id: int, person: Person) -> None:
    row.organisation_id = organisation_id
    row.email = person.email
    row.email_key = normalise_email(person.email)
    row.given_name = person.given_name
    row.language = person.language[:35]
    row.wants_updates = person.wants_updates


def submit_idea(challenge: Challenge, person: Person, *, title: str, body: str) -> Idea:
    """Store the idea, waiting for its author's confirmation, and queue the email."""
    idea = Idea(challenge=challenge, title=title, body=body)
    _fill(idea, challenge.organisation_id, person)
    with transaction.atomic():
        idea.save()
        emails.queue_confirmation(
            kind="idea", pk=idea.pk, email=person.email, name=person.given_name,
            language=person.language, what=title, organisation=challenge.organisation,
        )  # fmt: skip
    return idea


def submit_comment(idea: Idea, person: Person, *, body: str) -> Comment:
    comment = Comment(idea=idea, body=body)
    _fill(comment, idea.challenge.organisation_id, person)
    with transaction.atomic():
        comment.save()
        emails.queue_confirmation(
            kind="comment", pk=comment.pk, email=person.email, name=person.given_name,
            language=person.language, what=idea.title, organisation=idea.challenge.organisation,
        )  # fmt: skip
    return comment


def submit_pledge(idea: Idea, person: Person, *, amount: int, hours: int) -> IdeaPledge:
    pledge = IdeaPledge(idea=idea, amount=amount, hours=hours)
    _fill(pledge, idea.challenge.organisation_id, person)
    with transaction.atomic():
        pledge.save()
        emails.queue_confirmation(
            kind="pledge", pk=pledge.pk, email=person.email, name=person.given_name,
            language=person.language, what=idea.title, organisation=idea.challenge.organisation,
        )  # fmt: skip
    return pledge


MODELS: dict[str, type[Row]] = {"idea": Idea, "comment": Comment, "pledge": IdeaPledge}


def challenge_of(row: Row | Vote) -> Challenge:
    if isinstance(row, Idea):
        return row.challenge
    return row.idea.challenge


def to_confirm(kind: str, pk: int) -> Row | Vote | None:
    """The row a confirmation link names, or None if it is gone (erased, expired)."""
    if kind == "vote":
        return (
            Vote.objects.select_related("idea__challenge__organisation", "supporter")
            .filter(pk=pk)
            .first()
        )
    model = MODELS[kind]
    related = "challenge__organisation" if model is Idea else "idea__challenge__organisation"
    found: Row | None = model.objects.select_related(related).filter(pk=pk).first()
    return found


def updates_consent(supporter: Supporter, challenge: Challenge, channel: str) -> None:
    """The person asked to hear when ideas they took part in change: their 'yes', confirmed
    by the emailed link that brings them here."""
    consent = new_consent(
        supporter.pk,
        purpose=Purpose.UPDATES,
        wording=challenge.updates_wording,
        granted=True,
        source_url="",
        channel=channel,
    )
    consent.confirmed_at = timezone.now()
    consent.save()


@transaction.atomic
def confirm(kind: str, pk: int) -> bool:
    """Confirm the contribution a link names; True if this call did (False: already, or gone)."""
    now = timezone.now()
    if kind == "vote":
        vote = Vote.objects.select_related("idea__challenge", "supporter").filter(pk=pk).first()
        if vote is None:
            return False
        done = Vote.objects.filter(pk=pk, state=VoteState.PENDING).update(
            state=VoteState.CONFIRMED, confirmed_at=now, updated_at=now
        )
        if done and vote.wants_updates:
            updates_consent(vote.supporter, vote.idea.challenge, "vote")
        return bool(done)
    model = MODELS[kind]
    row = model.objects.select_for_update().filter(pk=pk).first()
    if row is None or row.state == Confirmation.CONFIRMED or not row.email_key:
        return False
    challenge = challenge_of(row)
    supporter = find_or_create_supporter(
        challenge.organisation, email=row.email, email_key=row.email_key,
        given_name=row.given_name,
    )  # fmt: skip
    model.objects.filter(pk=pk).update(
        state=Confirmation.CONFIRMED, confirmed_at=now, supporter=supporter
    )
    if row.wants_updates:
        updates_consent(supporter, challenge, kind)
    return True


@transaction.atomic
def set_status(membership: Membership, idea: Idea, status: str, reason: str) -> StatusChange:
    """Give an idea a status with its public reason, and queue the emails to those who took
    part (updates.py sends them, consent asked again at sending)."""
    require(membership, "content.write")
    if status not in IdeaStatus.values or status == IdeaStatus.NEW:
        raise ValidationError({"status": _("Choose one of the statuses.")})
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why, in words the public will read.")})
    locked = Idea.objects.select_for_update().get(pk=idea.pk)
    safety.gate(membership, "idea_status", locked, reason)
    now = timezone.now()
    before = locked.status
    Idea.objects.filter(pk=idea.pk).update(
        status=status, status_reason=reason, status_changed_at=now
    )
    change = StatusChange.objects.create(
        idea=locked, status=status, reason=reason, author=membership.user, created_at=now
    )
    record(
        organisation=membership.organisation,
        actor=membership.user,
        action="idea.status",
        target=locked,
        summary=_("Set idea #%(id)s to “%(status)s”")
        % {"id": idea.pk, "status": IdeaStatus(status).label},
        changes={"status": [before, status]},
    )
    return change
