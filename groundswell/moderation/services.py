"""The queue's verbs: submit, screen, decide (one item or many), report, and held phrases.

Submitting and screening run in the worker (a kind's inbound processing is a task): the
guard reads every item before any moderator sees it. Deciding and managing phrases are the
staff's verbs, each checking `moderation.decide` and writing an audit entry. Reporting is
the public's, with no account.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.accounts.access import require
from groundswell.accounts.models import Membership, Organisation
from groundswell.audit.services import record
from groundswell.safety import services as safety
from groundswell.safety.guard import scan

from . import holds, registry
from .models import TRANSITIONS, HeldPhrase, ModerationItem, ModerationState, Report

PERMISSION = "moderation.decide"
MAX_REASON = 300
MAX_REPORT = 2000
MAX_PHRASE = 100


def submit(
    kind: str,
    organisation: Organisation,
    submission: registry.Submission,
    *,
    item: ModerationItem | None = None,
    at: datetime | None = None,
) -> ModerationItem:
    """Queue a new item, or bring an existing one's words up to date; screen it at once.

    Changed words on a decided item send it back to pending: a decision was about the words
    the moderator read. Call from the worker, in the transaction that saves the content.
    """
    registry.get(kind)  # a kind nobody registered is a programming error, found here
    fields = asdict(submission)
    if item is None:
        item = ModerationItem.objects.create(
            organisation=organisation, kind=kind, submitted_at=at or timezone.now(), **fields
        )
    else:
        changed = submission.text != item.text
        for name, value in fields.items():
            setattr(item, name, value)
        update = list(fields)
        if changed and item.state != ModerationState.PENDING:
            item.state = ModerationState.PENDING
            update.append("state")
        item.save(update_fields=update)
        if not changed and item.screened_at is not None:
            return item
    screen(item)
    return item


def screen(item: ModerationItem) -> ModerationItem:
    """Run the guard over the item's words and keep its findings; approve the clean items
    of a kind that is not premoderated."""
    findings = scan(item.text, organisation=item.organisation)
    item.findings = [
        {"kind": f.kind, "start": f.start, "end": f.end, "text": f.text, "reason": str(f.reason)}
        for f in findings
    ]
    item.screened_at = timezone.now()
    item.save(update_fields=["findings", "screened_at"])
    kind = registry.get(item.kind)
    if not kind.premoderated and item.state == ModerationState.PENDING and not held_by(item):
        _change(item, ModerationState.APPROVED, by=None, reason="")
        record(
            organisation=item.organisation,
            actor=None,
            action="moderation.auto_approve",
            target=item,
            summary=_("Showed %(kind)s #%(id)s at once: nothing held it")
            % {"kind": kind.label, "id": item.pk},
        )
    return item


def screen_waiting(limit: int = 200) -> int:
    """Screen items that arrived without it (those carried over from before the queue)."""
    done = 0
    for pk in (
        ModerationItem.objects.unscreened().order_by("id").values_list("pk", flat=True)[:limit]
    ):
        with transaction.atomic():
            item = ModerationItem.objects.select_for_update().filter(pk=pk).first()
            if item is not None and item.screened_at is None:
                screen(item)
                done += 1
    return done


def phrases_of(organisation: Organisation) -> list[str]:
    return list(HeldPhrase.objects.for_organisation(organisation).values_list("phrase", flat=True))


def held_by(item: ModerationItem, phrases: Iterable[str] | None = None) -> list[str]:
    """Why the item may not go out without a moderator's own look: the guard's finding
    kinds and the held phrases it contains (empty when nothing holds it)."""
    if phrases is None:
        phrases = phrases_of(item.organisation)
    found = [finding["kind"] for finding in item.findings]
    return found + holds.held_phrases(item.text, phrases)


def _change(item: ModerationItem, state: str, *, by: object, reason: str) -> None:
    if state not in TRANSITIONS[item.state]:
        raise ValidationError(
            _("This item is %(now)s; it cannot become %(then)s.")
            % {
                "now": ModerationState(item.state).label,
                "then": ModerationState(state).label,
            }
        )
    item.state = state
    item.reason = reason
    item.decided_by = by  # type: ignore[assignment]
    item.decided_at = timezone.now()
    item.reported_at = None
    item.save(update_fields=["state", "reason", "decided_by", "decided_at", "reported_at"])
    kind = registry.get(item.kind)
    if kind.on_decision is not None:
        kind.on_decision(item)


def _check_reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError(_("Say why it is rejected: the author's history shows it."))
    if len(reason) > MAX_REASON:
        raise ValidationError(
            _("Keep the reason under %(n)s characters.") % {"n": f"{MAX_REASON:,}"}
        )
    return reason


def _decide(
    membership: Membership,
    item: ModerationItem,
    state: str,
    reason: str,
    *,
    safety_reason: str = "",
    seen_hash: str = "",
) -> bool:
    """One decision, audited; False when the item was already in that state.

    Approving shows the words publicly, so it passes the same safety gate as everything the
    organisation publishes: flagged words need an override with a written reason by someone
    with "safety.override" (`safety_reason`), a moderator's approval alone is not enough.
    """
    current = ModerationItem.objects.select_for_update().get(pk=item.pk)
    if current.state == state:
        return False
    kind = registry.get(current.kind)
    if state == ModerationState.APPROVED:
        safety.gate(
            membership,
            "moderation",
            current,
            current.text,
            reason=safety_reason,
            seen_hash=seen_hash,
            field="safety_reason",
        )
        if kind.refuse_approval is not None:
            refusal = kind.refuse_approval(current)
            if refusal:
                raise ValidationError(refusal)
    before = current.state
    _change(current, state, by=membership.user, reason=reason)
    for name in ("state", "reason", "decided_by", "decided_at", "reported_at"):
        setattr(item, name, getattr(current, name))
    record(
        organisation=membership.organisation,
        actor=membership.user,
        action=f"moderation.{'approve' if state == ModerationState.APPROVED else 'reject'}",
        target=current,
        # Neither the author nor the moderator's reason: both stay on the item.
        summary=(
            _("Approved %(kind)s #%(id)s")
            if state == ModerationState.APPROVED
            else _("Rejected %(kind)s #%(id)s; the reason is on the item")
        )
        % {"kind": kind.label, "id": current.pk},
        changes={"state": [before, state]},
    )
    return True


@transaction.atomic
def approve(
    membership: Membership, item: ModerationItem, *, safety_reason: str = "", seen_hash: str = ""
) -> bool:
    """Approve one item the moderator has read. Words the guard flags stay held unless an
    owner or a safety officer lets them out with `safety_reason`."""
    require(membership, PERMISSION)
    return _decide(
        membership,
        item,
        ModerationState.APPROVED,
        "",
        safety_reason=safety_reason,
        seen_hash=seen_hash,
    )


@transaction.atomic
def reject(membership: Membership, item: ModerationItem, reason: str) -> bool:
    require(membership, PERMISSION)
    return _decide(membership, item, ModerationState.REJECTED, _check_reason(reason))


@dataclass
class BulkResult:
    decided: int = 0
    unchanged: int = 0
    # Items approval left waiting: held (the guard or a phrase) or refused by their kind.
    held: list[ModerationItem] = field(default_factory=list)
    refused: list[tuple[ModerationItem, str]] = field(default_factory=list)


@transaction.atomic
def decide_many(
    membership: Membership, items: Iterable[ModerationItem], verb: str, reason: str = ""
) -> BulkResult:
    """Approve or reject several items at once.

    A bulk approval never approves a held item: the moderator did not read the flagged
    words, so each held item is left waiting to be opened and decided on its own.
    """
    require(membership, PERMISSION)
    if verb not in ("approve", "reject"):
        raise ValidationError(_("Choose to approve or to reject."))
    if verb == "reject":
        reason = _check_reason(reason)
    phrases = phrases_of(membership.organisation)
    result = BulkResult()
    for item in items:
        if item.organisation_id != membership.organisation.pk:
            raise ValidationError(_("These items are not all this organisation's."))
        if verb == "approve" and held_by(item, phrases):
            result.held.append(item)
            continue
        state = ModerationState.APPROVED if verb == "approve" else ModerationState.REJECTED
        try:
            with transaction.atomic():
                changed = _decide(membership, item, state, reason)
        except ValidationError as refusal:
            result.refused.append((item, " ".join(refusal.messages)))
            continue
        if changed:
            result.decided += 1
        else:
            result.unchanged += 1
    return result


def check_report(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Tell us what is wrong with it."))
    if len(reason) > MAX_REPORT:
        raise ValidationError(
            _("Keep your report under %(n)s characters.") % {"n": f"{MAX_REPORT:,}"}
        )
    if "\x00" in reason:
        raise ValidationError(_("Your report contains a character we cannot store."))
    return reason


@transaction.atomic
def report(item: ModerationItem, reason: str, *, language: str = "") -> Report:
    """Someone of the public reports a shown item: it is taken down until a moderator
    decides again (naming a private person must not stay up waiting for office hours)."""
    current = ModerationItem.objects.select_for_update().get(pk=item.pk)
    if current.state != ModerationState.APPROVED:
        raise ValidationError(_("This is not shown any more, so there is nothing to report."))
    made = Report.objects.create(item=current, reason=check_report(reason), language=language)
    current.state = ModerationState.PENDING
    current.reported_at = timezone.now()
    current.save(update_fields=["state", "reported_at"])
    kind = registry.get(current.kind)
    if kind.on_decision is not None:
        kind.on_decision(current)
    record(
        organisation=current.organisation,
        actor=None,
        action="moderation.report",
        target=current,
        summary=_("Someone reported %(kind)s #%(id)s; it is hidden until decided")
        % {"kind": kind.label, "id": current.pk},
    )
    return made


def _check_phrase(phrase: str) -> str:
    phrase = " ".join(phrase.split())
    if not phrase:
        raise ValidationError(_("Enter a word or phrase to hold."))
    if len(phrase) > MAX_PHRASE:
        raise ValidationError(_("Keep it under %(n)s characters.") % {"n": MAX_PHRASE})
    if "\x00" in phrase:
        raise ValidationError(_("The phrase contains a character we cannot store."))
    return phrase


@transaction.atomic
def hold_phrase(membership: Membership, phrase: str) -> HeldPhrase:
    require(membership, PERMISSION)
    phrase = _check_phrase(phrase)
    try:
        with transaction.atomic():
            held = HeldPhrase.objects.create(
                organisation=membership.organisation, phrase=phrase, created_by=membership.user
            )
    except IntegrityError:
        raise ValidationError(_("“%(phrase)s” is already held.") % {"phrase": phrase}) from None
    record(
        organisation=membership.organisation,
        actor=membership.user,
        action="moderation.hold_phrase",
        target=held,
        summary=_("Held items containing held phrase #%(id)s") % {"id": held.pk},
    )
    return held


@transaction.atomic
def release_phrase(membership: Membership, held: HeldPhrase) -> None:
    require(membership, PERMISSION)
    record(
        organisation=membership.organisation,
        actor=membership.user,
        action="moderation.release_phrase",
        target=held,
        summary=_("Stopped holding items containing held phrase #%(id)s") % {"id": held.pk},
    )
    held.delete()


def withdraw(item_ids: Iterable[int]) -> int:
    """The author took their words back (deleted them, or their account): the items go,
    decided or not. Returns how many were deleted."""
    _total, counts = ModerationItem.objects.filter(pk__in=list(item_ids)).delete()
    return counts.get(ModerationItem._meta.label, 0)
