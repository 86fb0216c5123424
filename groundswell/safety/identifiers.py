"""National ID numbers, vehicle plates and dates of birth."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from stdnum.gb import nhs
from stdnum.in_ import aadhaar, pan
from stdnum.us import ssn

from .findings import Finding

if TYPE_CHECKING:
    from .allowlist import Allowlist

_SEP = r"[ \-]?"

# HMRC's National Insurance number: two prefix letters (D, F, I, Q, U, V never; O never
# second), six digits, a suffix A-D. Prefixes BG, GB, KN, NK, NT, TN and ZZ are never issued.
_NINO = re.compile(
    r"\b(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
    rf"{_SEP}\d\d{_SEP}\d\d{_SEP}\d\d{_SEP}[A-D]\b"
)
_TEN_DIGITS = re.compile(r"(?<![\d+])\d{3}[ -]?\d{3}[ -]?\d{4}(?!\d)")
_TWELVE_DIGITS = re.compile(r"(?<![\d+])[2-9]\d{3}[ -]?\d{4}[ -]?\d{4}(?!\d)")
_SSN = re.compile(r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])")
_NINE_DIGITS = re.compile(r"(?<![\d-])\d{3}[ -]?\d{2}[ -]?\d{4}(?![\d-])")
_PAN = re.compile(r"\b[A-Z]{5}\d{4}[A-Z]\b")

_NHS_CUE = re.compile(r"\bNHS\b|एनएचएस", re.IGNORECASE)
_AADHAAR_CUE = re.compile(r"aadhaa?r|\bUID\b|आधार", re.IGNORECASE)
_SSN_CUE = re.compile(r"\bSSN\b|social security", re.IGNORECASE)


def _id(match: re.Match[str], reason: str) -> Finding:
    return Finding("national_id", match.start(), match.end(), match.group(), reason)


def find_national_ids(text: str, allowlist: Allowlist) -> Iterator[Finding]:
    for match in _NINO.finditer(text):
        yield _id(match, _("A National Insurance number: it identifies one person for life."))
    # NHS numbers have a check digit, but one 10-digit figure in eleven passes it: only next
    # to the word NHS is a valid one an NHS number rather than a phone or order number.
    if _NHS_CUE.search(text):
        for match in _TEN_DIGITS.finditer(text):
            if nhs.is_valid(match.group()):
                yield _id(match, _("An NHS number: it opens a person's health records."))
    # Aadhaar's Verhoeff check digit catches one wrong digit: a valid 12-digit number is an
    # Aadhaar number anywhere, and next to the word Aadhaar even a mistyped one is.
    cued = _AADHAAR_CUE.search(text) is not None
    for match in _TWELVE_DIGITS.finditer(text):
        if cued or aadhaar.is_valid(match.group()):
            yield _id(match, _("An Aadhaar number: it identifies one person in India."))
    # Without the words, only the dashed shape whose area and group are ever issued.
    ssn_cued = _SSN_CUE.search(text) is not None
    for match in (_NINE_DIGITS if ssn_cued else _SSN).finditer(text):
        if ssn_cued or ssn.is_valid(match.group()):
            yield _id(match, _("A US Social Security number: it identifies one person."))
    for match in _PAN.finditer(text):
        if pan.is_valid(match.group()):
            yield _id(match, _("An Indian PAN: a person's tax number."))


# UK plates since 2001 (AB12 CDE) and the prefix plates before them (A123 BCD).
_UK_PLATE = re.compile(r"\b(?:[A-Z]{2}\d\d ?[A-Z]{3}|[A-HJ-PR-Y]\d{1,3} ?[A-Z]{3})\b")
# Indian state and union territory codes, old and new (OR and OD, UA and UK).
_IN_STATES = (
    "AN|AP|AR|AS|BR|CH|CG|DD|DL|GA|GJ|HR|HP|JK|JH|KA|KL|LA|LD|MP|"
    "MH|MN|ML|MZ|NL|OD|OR|PY|PB|RJ|SK|TN|TS|TR|UP|UK|UA|WB"
)
# An Indian plate: state, district number, up to three series letters, four digits.
_IN_PLATE = re.compile(
    rf"\b(?:{_IN_STATES})[ -]?\d{{1,2}}[ -]?(?:[A-Z]{{1,3}}[ -]?){{0,2}}\d{{4}}\b"
)
_NOT_A_PLATE = re.compile(
    r"(?:model|code|ref(?:erence)?|part|serial)\s*(?:no\.?|number)?\s*$", re.IGNORECASE
)


def find_plates(text: str, allowlist: Allowlist) -> Iterator[Finding]:
    for pattern in (_IN_PLATE, _UK_PLATE):
        for match in pattern.finditer(text):
            if _NOT_A_PLATE.search(text[max(0, match.start() - 20) : match.start()]):
                continue
            yield Finding(
                "plate",
                match.start(),
                match.end(),
                match.group(),
                _("A vehicle registration: it leads to the keeper's name and address."),
            )


_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec|"
    "जनवरी|फ़रवरी|फरवरी|मार्च|अप्रैल|मई|जून|जुलाई|अगस्त|सितंबर|सितम्बर|अक्टूबर|नवंबर|नवम्बर|"
    "दिसंबर|दिसम्बर"
)
_DATE = (
    r"(?:\d{1,2}[/.\-]\d{1,2}[/.\-](?:19|20)?\d\d"
    r"|(?:19|20)\d\d-\d\d-\d\d"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\.?,?\s+(?:19|20)\d\d"
    rf"|(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d\d)"
)
_DOB = re.compile(
    r"(?:\bborn(?:\s+on)?|\bdate\s+of\s+birth|\bd\.?o\.?b\.?|\bbirthday(?:\s+is)?|"
    r"जन्म\s*तिथि|जन्मतिथि|जन्म\s*दिनांक|का\s+जन्म|जन्म)"
    rf"[\s:,(]*(?:is\s+|was\s+|on\s+)?({_DATE})(?![\d/])",
    re.IGNORECASE,
)


def find_dates_of_birth(text: str, allowlist: Allowlist) -> Iterator[Finding]:
    for match in _DOB.finditer(text):
        yield Finding(
            "date_of_birth",
            match.start(1),
            match.end(1),
            match.group(1),
            _("A date of birth: with a name it unlocks accounts and records."),
        )
