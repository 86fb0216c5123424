"""What the editor's "Safety check" panel shows: the text with each flagged passage marked
and its reason written beside it (in words, so the mark is not told by colour alone)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import models
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString

from .guard import Finding, scan
from .models import SafetyOverride
from .services import covering_override, text_hash

if TYPE_CHECKING:
    from groundswell.accounts.models import Membership


@dataclass
class Marked:
    """Findings that overlap are shown as one passage with all their reasons."""

    start: int
    end: int
    reasons: list[str] = field(default_factory=list)


def _merge(findings: list[Finding], length: int) -> list[Marked]:
    merged: list[Marked] = []
    for finding in sorted(findings, key=lambda f: (f.start, -f.end)):
        start, end = max(0, finding.start), min(length, finding.end)
        if end <= start:
            continue
        if merged and start < merged[-1].end:
            merged[-1].end = max(merged[-1].end, end)
            if finding.reason not in merged[-1].reasons:
                merged[-1].reasons.append(finding.reason)
        else:
            merged.append(Marked(start, end, [finding.reason]))
    return merged


def highlight(text: str, findings: list[Finding]) -> SafeString:
    """`text`, escaped, with each flagged passage in <mark> followed by its number and reason."""
    parts: list[SafeString] = []
    position = 0
    for number, passage in enumerate(_merge(findings, len(text)), start=1):
        parts.append(escape(text[position : passage.start]))
        parts.append(
            format_html(
                '<mark class="flag" id="flag-{}">{}</mark>'
                '<span class="flag-reason"> [{}: {}]</span>',
                number,
                text[passage.start : passage.end],
                number,
                "; ".join(passage.reasons),
            )
        )
        position = passage.end
    parts.append(escape(text[position:]))
    joined = SafeString("")
    for part in parts:  # each escaped or built by format_html: safe to join as is
        joined += part
    return joined


@dataclass
class Panel:
    findings: list[Finding]
    highlighted: SafeString
    text_hash: str
    override: SafetyOverride | None
    can_override: bool

    @property
    def blocked(self) -> bool:
        return bool(self.findings) and self.override is None


def panel(kind: str, obj: models.Model | None, text: str, *, membership: Membership) -> Panel:
    organisation = membership.organisation
    findings = scan(text, organisation=organisation)
    return Panel(
        findings=findings,
        highlighted=highlight(text, findings),
        text_hash=text_hash(text),
        override=covering_override(kind, obj, text, organisation=organisation)
        if findings
        else None,
        can_override=membership.can("safety.override"),
    )
