"""The naming-and-shaming guard: the one function every publishing path calls.

`scan(text, organisation=...)` returns what in a text may identify a private person or give
away their personal data, each with a reason staff can read. The rules are plain code over
packaged word lists (no model, nothing downloaded): see docs/safety.md for what they catch,
their measured quality and what they miss.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from . import contacts, handles, identifiers, people, places
from .allowlist import Allowlist, allowlist_for
from .findings import Finding

if TYPE_CHECKING:
    from groundswell.accounts.models import Organisation

__all__ = ["Allowlist", "Finding", "allowlist_for", "scan"]


Rule = Callable[[str, Allowlist], Iterable[Finding]]


# In order of precedence: where two findings of the same length overlap, the earlier rule's
# stays (an NHS number is also a possible Indian mobile number).
RULES: tuple[Rule, ...] = (
    identifiers.find_national_ids,
    identifiers.find_dates_of_birth,
    identifiers.find_plates,
    contacts.find_emails,
    handles.find_handles,
    places.find_addresses,
    places.find_postcodes,
    contacts.find_phones,
    people.find_people,
)


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
    figures = ascii_digits(text)
    for rule in RULES:
        if rule is people.find_people or figures is text:
            found.extend(rule(text, allowlist))
        else:
            # The figure rules read ASCII digits; every finding quotes the text as written.
            found.extend(
                dataclasses.replace(finding, text=text[finding.start : finding.end])
                for finding in rule(figures, allowlist)
            )
    return _without_overlaps(found)


_DIGIT = re.compile(r"\d")


def ascii_digits(text: str) -> str:
    """`text` with every decimal digit of any script ("९८७६", "٣") as its ASCII digit.

    One code point becomes one character, so every offset into the result is the same offset
    into `text`: a finding in one is a finding in the other.
    """
    if text.isascii():
        return text
    return _DIGIT.sub(lambda digit: str(unicodedata.decimal(digit.group())), text)


def _without_overlaps(findings: list[Finding]) -> list[Finding]:
    """Where two findings overlap, keep the longer (then the earlier-listed rule's)."""
    # Kept findings never overlap, so sorted by start their ends are sorted too: a new one
    # overlaps a kept one only if it overlaps its neighbour on either side.
    starts: list[int] = []
    kept: list[Finding] = []
    ranked = sorted(enumerate(findings), key=lambda pair: (pair[1].start - pair[1].end, pair[0]))
    for _, finding in ranked:
        index = bisect.bisect_right(starts, finding.start)
        if index > 0 and kept[index - 1].end > finding.start:
            continue
        if index < len(kept) and kept[index].start < finding.end:
            continue
        starts.insert(index, finding.start)
        kept.insert(index, finding)
    return kept
