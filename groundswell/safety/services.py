"""The safety gate: the one check every publishing path calls before anything goes out.

Stories (publish, approve, edits of a published story), scheduled posts (scheduling,
approving, and the worker at the moment of sending), staff replies on the fediverse, public
campaigns and petitions, campaign updates to supporters and approvals in the moderation queue
all call `gate` (or, in a worker, `unsafe_findings`, holding with `held_reason`).
Flagged text goes out only when an owner or a safety officer has recorded an `override` with
a written reason for that exact text: the override keeps the text's hash, so any edit is
checked again.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from groundswell.accounts.access import require
from groundswell.audit.services import record

from .guard import Finding, scan
from .models import PublicFigure, SafetyOverride

if TYPE_CHECKING:
    from groundswell.accounts.models import Membership, Organisation

# What a staff member may be told about at most in one message; the page shows them all.
LISTED = 8
REASON_MAX = 2000


class Flagged(ValidationError):
    """The guard flagged the text and no override covers it; `findings` says where."""

    def __init__(self, findings: list[Finding], *, field: str | None = None) -> None:
        message = blocked_message(findings)
        super().__init__({field: [message]} if field else message)
        self.findings = findings


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def describe(findings: list[Finding]) -> str:
    """The findings in a sentence staff can act on: each passage with why it was flagged."""
    shown = [
        _("“%(text)s” (%(reason)s)") % {"text": finding.text, "reason": finding.reason.rstrip(".")}
        for finding in findings[:LISTED]
    ]
    rest = len(findings) - len(shown)
    if rest:
        shown.append(ngettext("%(n)s more", "%(n)s more", rest) % {"n": rest})
    return "; ".join(shown)


def blocked_message(findings: list[Finding]) -> str:
    return ngettext(
        "The safety check flagged %(n)s passage that may name or expose a private person: "
        "%(list)s. Change it, or ask an owner or a safety officer to let it out with a "
        "written reason.",
        "The safety check flagged %(n)s passages that may name or expose a private person: "
        "%(list)s. Change them, or ask an owner or a safety officer to let them out with a "
        "written reason.",
        len(findings),
    ) % {"n": len(findings), "list": describe(findings)}


def covering_override(
    kind: str, obj: models.Model | None, text: str, *, organisation: Organisation
) -> SafetyOverride | None:
    """The latest override recorded for exactly this text of this object, if any."""
    if obj is None or obj.pk is None:
        return None
    return (
        SafetyOverride.objects.for_text(organisation, kind, obj.pk, text_hash(text))
        .select_related("by")
        .first()
    )


def unsafe_findings(
    kind: str, obj: models.Model | None, text: str, *, organisation: Organisation
) -> list[Finding]:
    """What stops `text` going out: [] when nothing is flagged or an override covers it."""
    findings = scan(text, organisation=organisation)
    if findings and covering_override(kind, obj, text, organisation=organisation):
        return []
    return findings


def require_safe(
    kind: str,
    obj: models.Model | None,
    text: str,
    *,
    organisation: Organisation,
    field: str | None = None,
) -> None:
    """Raise `Flagged` (a ValidationError, on `field` if given) unless `text` may go out."""
    findings = unsafe_findings(kind, obj, text, organisation=organisation)
    if findings:
        raise Flagged(findings, field=field)


def gate(
    membership: Membership,
    kind: str,
    obj: models.Model,
    text: str,
    *,
    organisation: Organisation | None = None,
    reason: str = "",
    seen_hash: str = "",
    field: str | None = None,
) -> None:
    """The one way a staff action lets text out: record an override first when a reason is
    given and the guard flags the text, then refuse (`Flagged`) unless the text may go out.

    Recording the override needs "safety.override" (owners and safety officers); anyone
    else gets `PermissionDenied` for a reason, and `Flagged` without one.
    """
    organisation = organisation or membership.organisation
    if reason.strip() and unsafe_findings(kind, obj, text, organisation=organisation):
        override(membership, kind, obj, text, reason, seen_hash=seen_hash)
    require_safe(kind, obj, text, organisation=organisation, field=field)


def held_reason(findings: list[Finding]) -> str:
    """Why something was held back at the moment of sending, for the staff who see it held:
    the kinds of thing flagged, never the passages themselves."""
    return _(
        "Held by the safety check: it flagged %(n)s passage(s) (%(kinds)s). An owner or a "
        "safety officer can let it out with a written reason, or change it."
    ) % {"n": len(findings), "kinds": flagged_kinds(findings)}


def flagged_kinds(findings: list[Finding]) -> str:
    return ", ".join(sorted({finding.kind for finding in findings}))


def audit_text(text: str, *, flagged: bool) -> str:
    """What the audit log may keep of a text: the text itself, or only its hash and length
    when the guard flagged it (the log must not become a second copy of the personal data)."""
    if not flagged:
        return text
    return _("[flagged text withheld: %(length)s characters, sha256 %(hash)s]") % {
        "length": len(text),
        "hash": text_hash(text)[:16],
    }


def withhold(changes: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """An audit entry's before/after `changes` with the words of `fields` replaced by their
    length and hash: for edits of text an override let out."""
    return {
        name: [audit_text(str(value or ""), flagged=True) for value in values]
        if name in fields
        else values
        for name, values in changes.items()
    }


def _as_json(findings: list[Finding]) -> list[dict[str, Any]]:
    return [
        {"kind": f.kind, "start": f.start, "end": f.end, "text": f.text, "reason": f.reason}
        for f in findings
    ]


@transaction.atomic
def override(
    membership: Membership,
    kind: str,
    obj: models.Model,
    text: str,
    reason: str,
    *,
    seen_hash: str = "",
) -> SafetyOverride:
    """Let this exact `text` of `obj` out although the guard flags it, for a written reason.

    `seen_hash` is the hash of the text the person read when they decided: if the text has
    changed since, they decided about something else, and nothing is recorded.
    """
    require(membership, "safety.override")
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Write why this text may go out although the safety check flagged it.")}
        )
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {"reason": _("Keep the reason under %(n)s characters.") % {"n": f"{REASON_MAX:,}"}}
        )
    digest = text_hash(text)
    if seen_hash and seen_hash != digest:
        raise ValidationError(
            _("The text changed after you read it. Read the safety check again before you decide.")
        )
    findings = scan(text, organisation=membership.organisation)
    if not findings:
        raise ValidationError(
            _("The safety check flags nothing in this text now, so it needs no override.")
        )
    row = SafetyOverride.objects.create(
        organisation=membership.organisation,
        kind=kind,
        object_id=str(obj.pk),
        text_hash=digest,
        findings=_as_json(findings),
        reason=reason,
        by=membership.user,
    )
    # The log names what kinds of thing were flagged, never the flagged passages nor the
    # free-text reason (which often quotes them): the reason stays on the override row,
    # which staff read on the safety page.
    record(
        organisation=membership.organisation,
        actor=membership.user,
        action="safety.override",
        target=obj,
        summary=_("Let flagged text out (%(kinds)s); the reason is on the safety page")
        % {"kinds": flagged_kinds(findings)},
        changes={
            "kind": ["", kind],
            "findings": ["", len(findings)],
            "override": ["", row.pk],
            "text_hash": ["", digest],
        },
    )
    return row


def _tidy_name(name: str) -> str:
    return " ".join(name.split())


@transaction.atomic
def add_public_figure(membership: Membership, *, name: str, note: str = "") -> PublicFigure:
    """Put a public figure on the organisation's allow-list: the guard stops flagging them."""
    require(membership, "safety.allowlist")
    organisation = membership.organisation
    name = _tidy_name(name)
    taken = PublicFigure.objects.for_organisation(organisation).filter(name__iexact=name)
    if taken.exists():
        raise ValidationError({"name": _("“%(name)s” is already on the list.") % {"name": name}})
    figure = PublicFigure.objects.create(
        organisation=organisation, name=name, note=note.strip(), created_by=membership.user
    )
    record(
        organisation=organisation,
        actor=membership.user,
        action="safety.allowlist_add",
        target=figure,
        summary=_("Added public figure #%(id)s: the safety check leaves the name alone")
        % {"id": figure.pk},
        changes={"name": ["", name], "note": ["", figure.note[:200]]},
    )
    return figure


@transaction.atomic
def remove_public_figure(membership: Membership, figure: PublicFigure) -> None:
    """Take a name off the allow-list: the guard flags it again from now on."""
    require(membership, "safety.allowlist")
    record(
        organisation=membership.organisation,
        actor=membership.user,
        action="safety.allowlist_remove",
        target=figure,
        summary=_("Removed public figure #%(id)s: the safety check reads the name again")
        % {"id": figure.pk},
        changes={"name": [figure.name, ""]},
    )
    figure.delete()
