"""Which keyword rules a signal matches, and which campaign it is about.

A phrase matches when its words appear in the signal's words in order, as whole words,
case and accents as written folded by `str.casefold` (so "Clean air" matches "CLEAN AIR!"
but not "cleanair"); a phrase that starts with '#' matches that hashtag. An exclusion is
matched the same way and keeps the rule off the signal. A rule with a language matches only
signals whose source declared that language (its primary subtag: "en" matches "en-GB");
a signal whose language nobody declared matches only rules without one: we never guess.

A campaign is linked when the signal carries its title (as a phrase), its hashtag (the slug
without hyphens: #cleanairnow for clean-air-now), or a link to its page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from groundswell.campaigns.models import Campaign

from .models import KeywordRule

TOKEN = re.compile(r"#?\w+")
HASHTAG = re.compile(r"#\w+")
WORD = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text.casefold())


def _bare(tokens_: list[str]) -> list[str]:
    return [token.lstrip("#") for token in tokens_]


def _holds(haystack: list[str], present: frozenset[str], needle: list[str]) -> bool:
    size = len(needle)
    # Most phrases are not there at all: a set says so before any slice is compared.
    if not all(word in present for word in needle):
        return False
    if size == 1:
        return True
    first = needle[0]
    return any(
        haystack[i] == first and haystack[i : i + size] == needle
        for i in range(len(haystack) - size + 1)
    )


@dataclass(frozen=True)
class Words:
    """A signal's words, tokenised once for every rule and campaign."""

    bare: list[str]  # the words without any '#': what phrases are matched against
    language: str
    links: tuple[str, ...]
    hashtags: frozenset[str] = frozenset()  # with their '#'
    bare_set: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls, text: str, language: str, links: Iterable[str] = (), bare: list[str] | None = None
    ) -> Words:
        """`bare`: the text's `\\w+` runs, casefolded, when the caller has them already
        (dedupe.words): the same list as the tokens with their '#' taken off."""
        folded = text.casefold()
        if bare is None:
            bare = WORD.findall(folded)
        hashtags = frozenset(HASHTAG.findall(folded)) if "#" in folded else frozenset()
        return cls(bare, language.lower().split("-")[0], tuple(links), hashtags, frozenset(bare))

    def holds(self, phrase: str) -> bool:
        wanted = tokens(phrase)
        if not wanted:
            return False
        if len(wanted) == 1 and wanted[0].startswith("#"):  # a hashtag
            return wanted[0] in self.hashtags
        return _holds(self.bare, self.bare_set, _bare(wanted))


def matches(rule: KeywordRule, words: Words) -> bool:
    if rule.language and rule.language.lower().split("-")[0] != words.language:
        return False
    if not any(words.holds(phrase) for phrase in rule.phrase_list()):
        return False
    return not any(words.holds(phrase) for phrase in rule.exclusion_list())


def matching(rules: Iterable[KeywordRule], words: Words) -> list[KeywordRule]:
    return [rule for rule in rules if matches(rule, words)]


def campaign_of(campaigns: Iterable[Campaign], words: Words) -> Campaign | None:
    """The first campaign (in the caller's order) the words name; select_related the
    organisation, which the page's address needs."""
    for campaign in campaigns:
        hashtag = "#" + campaign.slug.replace("-", "")
        page = campaign.get_absolute_url()
        if (
            words.holds(campaign.title)
            or hashtag.casefold() in words.hashtags
            or any(page in link for link in words.links)
        ):
            return campaign
    return None
