"""The naming-and-shaming guard: the one function every publishing path calls.

`scan(text, organisation=...)` returns what in a text may identify a private person or give
away their personal data, each with a reason staff can read. The rules are plain code over
packaged word lists (no model, nothing downloaded): see docs/safety.md for what they catch,
their measured quality and what they miss.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from . import contacts
from .allowlist import Allowlist, allowlist_for
from .findings import Finding

if TYPE_CHECKING:
    from groundswell.accounts.models import Organisation

__all__ = ["Allowlist", "Finding", "allowlist_for", "scan"]


Rule = Callable[[str, Allowlist], Iterable[Finding]]


RULES: tuple[Rule, ...] = (contacts.find_emails, contacts.find_phones)


def scan(
    text: str, *, organisation: Organisation | None = None, allowlist: Allowlist | None = None
) -> list[Finding]:
    """Everything `text` gives away, sorted by start, no two findings overlapping.

    With an organisation, its allow-list of public figures, its own names and its own email
    domain are not flagged: one query loads them. A caller scanning several texts of one
    organisation loads `allowlist_for(organisation)` once and passes it instead.
    """
    if allowlist is None:
        allowlist = allowlist_for(organisation) if organisation is not None else Allowlist()
    found: list[Finding] = []
    for rule in RULES:
        found.extend(rule(text, allowlist))
    return _without_overlaps(found)


def _without_overlaps(findings: list[Finding]) -> list[Finding]:
    """Where two findings overlap, keep the longer (then the earlier-listed rule's)."""
    kept: list[Finding] = []
    ranked = sorted(enumerate(findings), key=lambda pair: (pair[1].start - pair[1].end, pair[0]))
    for _, finding in ranked:
        if all(finding.end <= other.start or finding.start >= other.end for other in kept):
            kept.append(finding)
    return sorted(kept, key=lambda finding: finding.start)
