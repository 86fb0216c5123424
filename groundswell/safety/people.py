"""Named private people next to what must not be published about them.

A name is found by a title (Mr, Dr, श्रीमती …), a given name from a packaged list followed by
capitalised words, two or three capitalised words together, or a Hindi given name with its
surname. It is flagged only when its sentence ties it to an accusation, an arrest or a court
case, health, benefits or immigration status, to being a victim, or makes it a child's (an
age under 18, a school). Public roles and the organisation's allow-list are never flagged.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from . import hindi_names, lexicon
from .findings import Finding
from .names import given_names

if TYPE_CHECKING:
    from .allowlist import Allowlist

# Latin words (with inner apostrophes and hyphens) and Devanagari words (not the danda).
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’\-]*|[\u0900-\u0963\u0966-\u097F]+")
_SENTENCE_END = re.compile(r"[.!?।]+(?=\s|$)|\n")
_ABBREVIATIONS = frozenset(
    {"mr", "mrs", "ms", "dr", "st", "no", "cllr", "prof", "sgt", "rev", "revd", "apt", "डॉ", "डा"}
)


# How far from a name its cues are looked for, inside its sentence.
_REACH = 160


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    word: str

    @property
    def key(self) -> str:
        return self.word.casefold().rstrip("'’").removesuffix("'s").removesuffix("’s")

    @property
    def capitalised(self) -> bool:
        return self.word[0].isupper() and not self.word.isupper()

    @property
    def devanagari(self) -> bool:
        return "\u0900" <= self.word[0] <= "\u097f"


def _sentences(text: str) -> list[tuple[int, int]]:
    bounds, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        before = _TOKEN.findall(text[max(0, match.start() - 6) : match.start()])
        if match.group() != "\n" and before and before[-1].casefold() in _ABBREVIATIONS:
            continue
        bounds.append((start, match.end()))
        start = match.end()
    bounds.append((start, len(text)))
    return bounds


def _adjacent(text: str, left: _Token, right: _Token) -> bool:
    """Two words of one name: only a space (or a title's full stop) between them."""
    return text[left.end : right.start] in (" ", ". ", ".")


def _name_runs(text: str, tokens: list[_Token], first: int) -> Iterator[tuple[int, int, bool]]:
    """(first token, last token + 1, titled) for each name among `tokens` (one sentence)."""
    given = given_names()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        end = i + 1
        titled = False
        if token.devanagari:
            if token.word in lexicon.HI_TITLES and end < len(tokens) and tokens[end].devanagari:
                titled, end = True, end + 1
            elif token.word not in hindi_names.GIVEN:
                i += 1
                continue
            while (
                end < len(tokens)
                and end - i < 4
                and tokens[end].devanagari
                and (
                    tokens[end].word in hindi_names.SURNAMES
                    or tokens[end].word in hindi_names.GIVEN
                )
                and _adjacent(text, tokens[end - 1], tokens[end])
            ):
                end += 1
            if end - i == 1 and token.word in hindi_names.AMBIGUOUS and i != first:
                i += 1
                continue
        else:
            if not token.capitalised or token.key in lexicon.NOT_NAMES:
                i += 1
                continue
            if token.key.rstrip(".") in lexicon.TITLES:
                titled = True
            elif token.word not in given:
                # An unknown given name: only two or three capitalised words together, and
                # not a sentence's first word before a known one ("Poor Derek Fanshaw").
                if end < len(tokens) and tokens[end].word in given:
                    i += 1
                    continue
                if not (
                    end < len(tokens)
                    and tokens[end].capitalised
                    and _adjacent(text, token, tokens[end])
                    and tokens[end].key not in lexicon.NOT_NAMES
                ):
                    i += 1
                    continue
            while (
                end < len(tokens)
                and end - i < 4
                and tokens[end].capitalised
                and tokens[end].key not in lexicon.NOT_NAMES
                and _adjacent(text, tokens[end - 1], tokens[end])
            ):
                end += 1
            if titled and end == i + 1:
                i += 1
                continue
        words = {t.key for t in tokens[i:end]} | {t.word for t in tokens[i:end]}
        after = tokens[end].key if end < len(tokens) else ""
        before = tokens[i - 1].key if i > 0 else ""
        if (
            words & lexicon.PLACE_WORDS
            or after in lexicon.PLACE_WORDS
            or tokens[end - 1].word in lexicon.PLACE_WORDS
            or before in lexicon.PLACE_PREFIXES
        ):
            i = end
            continue
        yield i, end, titled
        i = end


_CUES = {
    "accusation": lexicon.ACCUSATION,
    "immigration": lexicon.IMMIGRATION,
    "benefits": lexicon.BENEFITS,
    "health": lexicon.HEALTH,
    "victim": lexicon.VICTIM,
    "child": lexicon.CHILD_CONTEXT,
}
# The cues that make a named adult's name sensitive, in the order their reasons are given.
_REASONS = ("accusation", "immigration", "benefits", "health")


class _Places:
    """Where one cue list matches in a text, to ask "is there one near here?" quickly."""

    def __init__(self, pattern: re.Pattern[str], text: str) -> None:
        # A match the cue list marks as passive ("was stabbed") is not the cue it lists.
        self.spans = [
            (m.start(), m.end()) for m in pattern.finditer(text) if not any(m.groupdict().values())
        ]
        self.starts = [start for start, _ in self.spans]

    def near(self, left: int, name_start: int, name_end: int, right: int) -> bool:
        """A match inside [left, right) that does not overlap the name [name_start, name_end)."""
        index = bisect.bisect_left(self.starts, left)
        while index < len(self.spans) and self.spans[index][0] < right:
            start, end = self.spans[index]
            if end <= right and (end <= name_start or start >= name_end):
                return True
            index += 1
        return False


def _is_role(token: _Token) -> bool:
    return token.key.rstrip(".") in lexicon.PUBLIC_ROLES


def _starts_with_a_post(tokens: list[_Token], first: int, last: int) -> bool:
    """Whether the run's first words make a post: then the run is the post alone ("The Home
    Secretary", "Crime Commissioner"), not a name, or the post is the name's own role
    ("Chief Constable Sarah Connolly")."""
    words = lexicon.PUBLIC_ROLES | lexicon.ROLE_QUALIFIERS
    for token in tokens[first:last]:
        if token.key.rstrip(".") not in words:
            return False
        if _is_role(token):
            return True
    return False


# Words between a name and its role after it: "Jo Bloggs, the council leader", "Jo Bloggs MP".
_BEFORE_A_ROLE = frozenset({"the", "a", "an", "our", "their", "your", "its", "former", "new"})


def _public_role(text: str, tokens: list[_Token], first: int, last: int) -> bool:
    """Whether a role is attached to the name: right before it ("Councillor Jo Bloggs", "the
    chief constable, Jo Bloggs, said") or right after it ("Jo Bloggs MP", "Jo Bloggs, the
    council leader"). A role elsewhere in the sentence ("the judge said Jo Bloggs …") is
    someone else's, and leaves a private person's name as sensitive as it was."""
    # A given name that is also an everyday word is left out of the run ("Mark" in "PC Mark
    # Lowe"): the role comes before it.
    while (
        first > 0
        and tokens[first - 1].capitalised
        and tokens[first - 1].key in lexicon.NOT_NAMES
        and _adjacent(text, tokens[first - 1], tokens[first])
    ):
        first -= 1
    if first > 0:
        before = tokens[first - 1]
        gap = text[before.end : tokens[first].start].strip()
        after = text[tokens[last - 1].end : tokens[last - 1].end + 2].strip()
        possessive = before.word.casefold().endswith(("'s", "’s"))
        # "the inspector, Jo Bloggs, said": a role before a comma only in apposition.
        if _is_role(before) and not possessive and (gap in ("", ".") or (gap == "," == after[:1])):
            return True
    previous_end = tokens[last - 1].end
    for token in tokens[last : last + 4]:
        if text[previous_end : token.start].strip() not in ("", ",", "(", "-", "\u2013", "\u2014"):
            return False
        if _is_role(token):
            return True
        if token.key not in _BEFORE_A_ROLE | lexicon.ROLE_QUALIFIERS:
            return False
        previous_end = token.end
    return False


def _reason(kind: str, cues: list[str]) -> str:
    if kind == "child":
        return _("A named child with their age or school: children must not be identifiable.")
    if kind == "victim":
        return _("A named victim: naming them can hurt them again and put them at risk.")
    reasons = {
        "accusation": _(
            "A named person next to an accusation, an arrest or a court case: naming and "
            "shaming can be defamatory, prejudice a trial and put them in danger."
        ),
        "health": _("A named person's health: special category data that needs their consent."),
        "benefits": _("A named person's benefits: private, and a reason people are targeted."),
        "immigration": _("A named person's immigration status: it can put them in danger."),
    }
    return reasons[cues[0]]


def find_people(text: str, allowlist: Allowlist) -> Iterator[Finding]:
    all_tokens = [_Token(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
    if not all_tokens:
        return
    # Each cue list is matched once over the whole text, then looked up near each name.
    cues = {cue: _Places(pattern, text) for cue, pattern in _CUES.items()}
    taken = 0
    for start, end in _sentences(text):
        # Sentences and tokens both run left to right: one pass over the tokens.
        first_token = taken
        while taken < len(all_tokens) and all_tokens[taken].start < end:
            taken += 1
        tokens = all_tokens[first_token:taken]
        for first, last, titled in _name_runs(text, tokens, 0):
            # A post's own words ("The Home Secretary") are not a name; before a name they
            # are its role ("Chief Constable Sarah Connolly").
            if _starts_with_a_post(tokens, first, last):
                continue
            name_start, name_end = tokens[first].start, tokens[last - 1].end
            name = text[name_start:name_end]
            bare = " ".join(
                t.word
                for t in tokens[first:last]
                if t.key.rstrip(".") not in lexicon.TITLES and t.word not in lexicon.HI_TITLES
            )
            if allowlist.allows_name(bare or name) or _public_role(text, tokens, first, last):
                continue
            # Cues in the sentence around the name (not in the name itself), at most _REACH
            # characters either side.
            left, right = max(start, name_start - _REACH), min(end, name_end + _REACH)
            professional = titled and tokens[first].key.rstrip(".") in lexicon.PROFESSIONAL
            found = {
                cue: where.near(left, name_start, name_end, right) for cue, where in cues.items()
            }
            if professional:
                found["health"] = False
            reasons = [cue for cue in _REASONS if found[cue]]
            age = lexicon.CHILD_AGE.search(text[name_end : name_end + 30])
            years = next((int(g) for g in age.groups() if g), 99) if age else 99
            if not titled and (years < 18 or found["child"]):
                kind = "child"
            elif found["victim"] and not found["accusation"]:
                kind = "victim"
            elif reasons:
                kind = "named_person"
            else:
                continue
            yield Finding(kind, name_start, name_end, name, _reason(kind, reasons))
