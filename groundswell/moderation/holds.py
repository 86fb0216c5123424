"""Keyword holds: an organisation's words and phrases that keep an item for a moderator.

Matching ignores case and finds whole words only ("ass" does not hold "class"). A word
character is any letter, mark or digit, so a Devanagari vowel sign after a phrase counts
as part of the word, as a reader would see it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Hold:
    phrase: str
    start: int
    end: int


def _wordish(char: str) -> bool:
    return char == "_" or unicodedata.category(char)[0] in "LMN"


def find(text: str, phrases: Iterable[str]) -> list[Hold]:
    """Every whole-word occurrence of each phrase in `text`, sorted by where it starts."""
    found = []
    for phrase in phrases:
        phrase = phrase.strip()
        if not phrase:
            continue
        for match in re.finditer(re.escape(phrase), text, re.IGNORECASE):
            start, end = match.span()
            if start > 0 and _wordish(text[start - 1]) and _wordish(phrase[0]):
                continue
            if end < len(text) and _wordish(text[end]) and _wordish(phrase[-1]):
                continue
            found.append(Hold(phrase, start, end))
    return sorted(found, key=lambda hold: (hold.start, -hold.end))


def held_phrases(text: str, phrases: Iterable[str]) -> list[str]:
    """The phrases that hold `text`, each once, in the order they first occur."""
    seen: dict[str, None] = {}
    for hold in find(text, phrases):
        seen.setdefault(hold.phrase, None)
    return list(seen)
