"""Phone numbers and email addresses: ways to reach a private person."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import phonenumbers
from django.utils.translation import gettext as _

from .findings import Finding

if TYPE_CHECKING:
    from .allowlist import Allowlist

# Role addresses speak for an organisation, not a person.
ROLE_MAILBOXES = frozenset(
    {
        "admin", "comms", "contact", "enquiries", "enquiry", "feedback", "hello", "help",
        "info", "media", "membership", "news", "newsdesk", "noreply", "no-reply", "office",
        "press", "support", "team", "volunteer", "volunteers", "webmaster", "events",
        "campaigns", "donations", "supporters", "foi", "complaints",
    }
)  # fmt: skip

_EMAIL = re.compile(
    r"(?<![\w.+-])([\w.+-]{1,64})@((?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_]{2,24})(?![\w-])"
)

# The regions a bare national number is read in: the two the product serves first. Numbers
# written with + or 00 are read in their own country's plan whatever the region.
_REGIONS = ("GB", "IN")

# phonenumbers loads each region's plan on first use under a lock it does not release if the
# load fails, after which every later scan in the process waits forever (seen in a test run
# whose packages were reinstalled under it). Loaded once here (about 0.2 s), no scan takes
# that lock again.
phonenumbers.PhoneMetadata.load_all()
# Freephone, shared-cost and non-geographic numbers are bought by organisations (helplines,
# switchboards), not given to a person.
_SERVICE_LINES = frozenset(
    {
        phonenumbers.PhoneNumberType.TOLL_FREE,
        phonenumbers.PhoneNumberType.SHARED_COST,
        phonenumbers.PhoneNumberType.PREMIUM_RATE,
        phonenumbers.PhoneNumberType.UAN,
    }
)


def find_emails(text: str, allowlist: Allowlist) -> Iterator[Finding]:
    for match in _EMAIL.finditer(text):
        mailbox, domain = match.group(1), match.group(2)
        if allowlist.allows_domain(domain) or mailbox.casefold() in ROLE_MAILBOXES:
            continue
        yield Finding(
            "email",
            match.start(),
            match.end(),
            match.group(),
            _("An email address: a private person could be written to."),
        )


def _dialled_in_full(raw: str) -> bool:
    """Whether a possible number is written the way people write a phone number.

    Plenty of other figures are possible phone numbers (a charity number has 7 digits, a
    reference 8): only an international prefix, a trunk 0 with ten or more digits, or an
    Indian mobile's ten digits starting 6-9 make a number a phone number here.
    """
    digits = re.sub(r"\D", "", raw)
    if raw.startswith("+") or digits.startswith("00"):
        return len(digits) >= 8
    if digits.startswith("0"):
        return len(digits) >= 10
    return len(digits) == 10 and digits[0] in "6789"


def find_phones(text: str, allowlist: Allowlist) -> Iterator[Finding]:
    # Read in each region; a number counts once, valid if any region's plan has it, and not
    # at all if any region's plan says it is an organisation's line.
    found: dict[tuple[int, int], tuple[str, bool]] = {}
    service: set[tuple[int, int]] = set()
    for region in _REGIONS:
        # POSSIBLE, not VALID: a number no operator has handed out yet still reaches someone
        # tomorrow, and a typo of a real number is one digit from it.
        matcher = phonenumbers.PhoneNumberMatcher(
            text, region, leniency=phonenumbers.Leniency.POSSIBLE
        )
        for match in matcher:
            if not _dialled_in_full(match.raw_string):
                continue
            span = (match.start, match.end)
            if phonenumbers.number_type(match.number) in _SERVICE_LINES:
                service.add(span)
            valid = phonenumbers.is_valid_number(match.number) or found.get(span, ("", False))[1]
            found[span] = (match.raw_string, valid)
    for span in service:
        found.pop(span, None)
    for (start, end), (raw, valid) in found.items():
        reason = (
            _("A phone number: a private person could be called.")
            if valid
            else _(
                "Something written like a phone number (not one in use today, but it could "
                "be, or be a typo of one): a private person could be called."
            )
        )
        yield Finding("phone", start, end, raw, reason)
