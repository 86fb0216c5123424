"""Staff writes on the outcome ledger. Each checks access, passes the words the public will
read through the safety gate when the entry is marked public, audits, and may move the
petition's status or start its report-back through the petitions' own verbs."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from groundswell.accounts.access import require
from groundswell.accounts.models import Membership
from groundswell.actions import petitions
from groundswell.actions.models import PetitionUpdate
from groundswell.audit.services import diff, record
from groundswell.safety import services as safety

from .models import PETITION_STATUS, LedgerEntry

FIELDS = ("campaign", "petition", "kind", "happened_on", "title", "details", "evidence", "public")
TEXT = ("title", "details", "evidence")


def _check(membership: Membership, entry: LedgerEntry) -> None:
    organisation_id = membership.organisation_id
    if entry.campaign.organisation_id != organisation_id:
        raise ValidationError({"campaign": _("Choose one of your organisation's campaigns.")})
    if entry.petition is not None and entry.petition.campaign_id != entry.campaign_id:
        raise ValidationError({"petition": _("Choose a petition of this campaign, or none.")})


def _gate(membership: Membership, entry: LedgerEntry, reason: str) -> None:
    """Marked public, its words go on the campaign's page: they pass the gate first (also
    while the campaign is a draft, since they go public with it)."""
    if entry.public:
        safety.gate(membership, "ledger", entry, entry.safety_text, reason=reason, field="title")


def _move_petition(membership: Membership, entry: LedgerEntry) -> str:
    status = PETITION_STATUS.get(str(entry.kind))
    if entry.petition is None or status is None or entry.petition.status == status:
        return ""
    petitions.update_petition(membership, entry.petition, {"status": status})
    return str(status)


@transaction.atomic
def add_entry(
    membership: Membership,
    data: dict[str, Any],
    *,
    move_petition: bool = False,
    safety_reason: str = "",
) -> LedgerEntry:
    require(membership, "content.write")
    entry = LedgerEntry(organisation=membership.organisation, created_by=membership.user)
    for name in FIELDS:
        if name in data:
            setattr(entry, name, data[name])
    _check(membership, entry)
    entry.save()  # first, so an override has a row to name; a refusal rolls it back
    _gate(membership, entry, safety_reason)
    moved = _move_petition(membership, entry) if move_petition else ""
    record(
        organisation=membership.organisation,
        actor=membership.user,
        action="ledger.create",
        target=entry,
        summary=_("Added ledger entry #%(id)s (%(kind)s) to campaign #%(campaign)s")
        % {"id": entry.pk, "kind": entry.kind, "campaign": entry.campaign_id},
        changes={"petition_status": moved} if moved else None,
    )
    return entry


@transaction.atomic
def change_entry(
    membership: Membership,
    entry: LedgerEntry,
    data: dict[str, Any],
    *,
    move_petition: bool = False,
    safety_reason: str = "",
) -> LedgerEntry:
    require(membership, "content.write")
    entry = LedgerEntry.objects.select_for_update().get(pk=entry.pk)

    def snapshot() -> dict[str, Any]:
        values = {
            name: getattr(entry, name) for name in FIELDS if name not in ("campaign", "petition")
        }
        values["happened_on"] = str(values["happened_on"])
        return values | {"campaign": entry.campaign_id, "petition": entry.petition_id}

    before = snapshot()
    for name in FIELDS:
        if name in data:
            setattr(entry, name, data[name])
    _check(membership, entry)
    changes = diff(before, snapshot())
    if {"public", *TEXT} & set(changes):
        _gate(membership, entry, safety_reason)
    moved = _move_petition(membership, entry) if move_petition else ""
    if changes:
        entry.save()
    if changes or moved:
        record(
            organisation=membership.organisation,
            actor=membership.user,
            action="ledger.update",
            target=entry,
            summary=_("Edited ledger entry #%(id)s: %(fields)s")
            % {
                "id": entry.pk,
                "fields": ", ".join([*changes, *(["petition status"] if moved else [])]),
            },
            changes=changes,
        )
    return entry


@transaction.atomic
def delete_entry(membership: Membership, entry: LedgerEntry) -> None:
    require(membership, "content.write")
    if LedgerEntry.objects.filter(pk=entry.pk).delete()[0]:
        record(
            organisation=membership.organisation,
            actor=membership.user,
            action="ledger.delete",
            target=entry,
            summary=_("Deleted ledger entry #%(id)s") % {"id": entry.pk},
        )


ALREADY_REPORTED = _lazy(
    "This entry was already reported back to the petition's signers: each entry is sent "
    "once. To tell them something more, post an update from the petition's page."
)


def draft_report(entry: LedgerEntry) -> dict[str, str]:
    """The report-back's first draft, from the entry: staff edit it before it goes."""
    lines = [entry.details or entry.title]
    if entry.evidence:
        lines.append("")
        lines.extend(entry.evidence)
    return {"subject": entry.title, "body": "\n".join(lines)}


@transaction.atomic
def send_report(
    membership: Membership,
    entry: LedgerEntry,
    *,
    subject: str,
    body: str,
    safety_reason: str = "",
) -> PetitionUpdate:
    """Tell the petition's signers: the petitions' own update, gated, batched and sent
    exactly once by its worker; the entry keeps which update it was. An entry is reported
    back once: a second send (another tab, a double click) is refused with ALREADY_REPORTED
    and stores nothing."""
    require(membership, "content.write")
    if entry.petition is None:
        raise ValidationError(_("Link this entry to a petition first: its signers get the update."))
    if LedgerEntry.objects.filter(pk=entry.pk, report__isnull=False).exists():
        raise ValidationError(ALREADY_REPORTED)
    update = petitions.post_update(
        membership, entry.petition, subject=subject, body=body, safety_reason=safety_reason
    )
    # The claim: of two sends at once, one finds the entry still unreported; the other's
    # update (and its queued sending) rolls back with this transaction.
    if not LedgerEntry.objects.filter(pk=entry.pk, report__isnull=True).update(report=update):
        raise ValidationError(ALREADY_REPORTED)
    record(
        organisation=membership.organisation,
        actor=membership.user,
        action="ledger.report",
        target=entry,
        summary=_("Reported ledger entry #%(id)s back to the signers of petition #%(petition)s")
        % {"id": entry.pk, "petition": entry.petition_id},
    )
    return update
