"""Social media handles and profile addresses: a way to find and pile on a person."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from .findings import Finding

if TYPE_CHECKING:
    from .allowlist import Allowlist

_HANDLE = re.compile(
    r"(?<![\w@.+-])@([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)(?![\w@-]|\.\w)"
)
_PROFILE = re.compile(
    r"(?:https?://)?(?:www\.|m\.)?"
    r"(?:(?:facebook|fb|instagram|twitter|x|tiktok|threads|youtube|snapchat)\.com/(?:@)?"
    r"|linkedin\.com/in/|bsky\.app/profile/)"
    r"([\w.\-]{2,60})",
    re.IGNORECASE,
)
# The organisation's own accounts: "follow us @…", "tag us …".
_OWN = re.compile(r"\b(?:follow|tag|find|join|message)\s+us\b|हमें\s+फ़ॉलो|हमें\s+फॉलो", re.IGNORECASE)


def _squashed(name: str) -> str:
    return re.sub(r"\W|_", "", name.casefold())


def _is_own(name: str, allowlist: Allowlist) -> bool:
    squashed = _squashed(name)
    return any(squashed and squashed == _squashed(allowed) for allowed in allowlist.names)


def find_handles(text: str, allowlist: Allowlist) -> Iterator[Finding]:
    reason = _("A social media account: people could find and pile on a private person.")
    for pattern in (_PROFILE, _HANDLE):
        for match in pattern.finditer(text):
            before = text[max(0, match.start() - 30) : match.start()]
            if _is_own(match.group(1), allowlist) or _OWN.search(before):
                continue
            yield Finding("handle", match.start(), match.end(), match.group(), reason)
