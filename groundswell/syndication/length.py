"""How long a post is, counted the way each network counts it.

The server check here is the one that counts; static/syndication/counter.js mirrors it so
people see the count as they type.
"""

from __future__ import annotations

import regex

BLUESKY_LIMIT = 300
MASTODON_LIMIT = 500
MASTODON_URL_LENGTH = 23

# \X is one extended grapheme cluster (UAX #29): an emoji with skin tone or a ZWJ family,
# or a letter with combining accents, is one — which is what Bluesky's 300 counts.
_GRAPHEME = regex.compile(r"\X")
URL = regex.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]'’”]")
# A mention of someone on another server counts only its local part: @name@example.org is @name.
_REMOTE_MENTION = regex.compile(r"(?<![\w@])(@\w+)@[\w.-]+\w", regex.UNICODE)


def graphemes(text: str) -> int:
    return len(_GRAPHEME.findall(text))


def mastodon_length(text: str) -> int:
    """Characters as Mastodon counts them: every link is 23, whatever its length."""
    text = URL.sub("x" * MASTODON_URL_LENGTH, text)
    text = _REMOTE_MENTION.sub(r"\1", text)
    return len(text)


def bluesky_length(text: str) -> int:
    return graphemes(text)


def measure(network: str, text: str) -> tuple[int, int]:
    """(length, limit) of `text` for `network` ("bluesky" or "mastodon")."""
    if network == "bluesky":
        return bluesky_length(text), BLUESKY_LIMIT
    return mastodon_length(text), MASTODON_LIMIT
