"""Home addresses and postcodes: where a private person can be found."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from .findings import Finding

if TYPE_CHECKING:
    from .allowlist import Allowlist

_STREETS = (
    "Street|St|Road|Rd|Lane|Ln|Avenue|Ave|Grove|Close|Drive|Dr|Crescent|Way|Court|Gardens|"
    "Place|Terrace|View|Walk|Row|Hill|Square|Mews|Parade|Rise|Green|Vale|Wharf|Yard|Nagar|"
    "Marg|Colony|Enclave|Vihar|Apartments?"
)
_UNIT = r"(?:Flat|Apartment|Apt\.?|Unit|House(?:\s+No\.?)?|Plot|H\.?\s?No\.?)\s*\w{1,5},?\s+"
_EN_ADDRESS = re.compile(
    rf"(?:\b{_UNIT})?\b\d{{1,4}}[A-Za-z]?,?\s+(?:[A-Z][\w'’-]+\s+){{1,3}}(?:{_STREETS})\b"
    # An Indian address: house, plot or flat number, then its sector or colony.
    rf"|\b{_UNIT}(?:Sector\s+\d{{1,3}}|(?:[A-Z][\w'-]+\s+){{0,2}}(?:{_STREETS}))\b"
)
_HI_UNIT = r"(?:मकान|फ्लैट|फ़्लैट|प्लॉट|घर)\s*(?:नंबर|नं\.?|संख्या)?\s*\d{1,5}"
_HI_ADDRESS = re.compile(
    rf"{_HI_UNIT}(?:\s*,\s*(?:(?:गली|सेक्टर|ब्लॉक|वार्ड)\s*(?:नंबर|नं\.?|संख्या)?\s*\d{{1,4}}"
    r"|[\u0900-\u097F]+\s+(?:अपार्टमेंट|सोसाइटी|कॉलोनी|नगर|भवन|टावर)))?"
)
# Royal Mail's shape of a full postcode, in capitals as it is written.
_UK_POSTCODE = re.compile(
    r"\b(?:[A-PR-UWYZ][A-HK-Y]?\d[A-HJKPSTUW\d]?|[A-PR-UWYZ]\d[A-HJKPSTUW])"
    r" ?\d[ABD-HJLNP-UW-Z]{2}\b"
)
_PIN = re.compile(r"(?<![\d,.])[1-9]\d{2} ?\d{3}(?!\d|[,.]\d)")
_PIN_CONTEXT = re.compile(
    r"\bPIN\b|pin\s*code|pincode|पिन|पता|address|मकान|फ्लैट|सेक्टर|Sector|House|Flat|Plot|नगर|"
    r"Nagar|गली|Colony|कॉलोनी|दिल्ली|Delhi|Mumbai|मुंबई|Noida|Gurugram|Jaipur|Bengaluru|"
    r"Kolkata|Chennai|Lucknow|Patna|Pune",
    re.IGNORECASE,
)
# An organisation giving its own address is not giving away a person's.
_OWN_PLACE = re.compile(
    r"\b(?:our|visit us|find us|we are|we're)\b.{0,40}\b(?:office|shop|centre|center|hub|"
    r"address|base|HQ|premises|at)\b|हमारा\s+(?:कार्यालय|दफ़्तर|पता)",
    re.IGNORECASE,
)


def _own_place(text: str, start: int) -> bool:
    """Whether the words just before `start`, in its sentence, give the organisation's own
    place ("our office is at …"). Bounded, so many addresses in one text stay linear."""
    window = max(0, start - 80)
    sentence_start = max(text.rfind(".", window, start), text.rfind("।", window, start), window - 1)
    return _OWN_PLACE.search(text[sentence_start + 1 : start]) is not None


def find_addresses(text: str, allowlist: Allowlist) -> Iterator[Finding]:
    for pattern in (_EN_ADDRESS, _HI_ADDRESS):
        for match in pattern.finditer(text):
            if not _own_place(text, match.start()):
                yield Finding(
                    "address",
                    match.start(),
                    match.end(),
                    match.group(),
                    _("A street address: someone could turn up at a private person's home."),
                )


def find_postcodes(text: str, allowlist: Allowlist) -> Iterator[Finding]:
    reason = _("A postcode: it narrows a home down to a few doors.")
    for match in _UK_POSTCODE.finditer(text):
        if not _own_place(text, match.start()):
            yield Finding("postcode", match.start(), match.end(), match.group(), reason)
    # Six digits are a PIN code only in an address; elsewhere they are anything.
    if _PIN_CONTEXT.search(text):
        for match in _PIN.finditer(text):
            if not _own_place(text, match.start()):
                yield Finding("postcode", match.start(), match.end(), match.group(), reason)
