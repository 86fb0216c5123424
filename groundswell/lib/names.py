"""People's names in email: typed by strangers, shown to them (and read by mail apps).

A first name is the one thing a stranger types that we put into an email we send from the
organisation's address, so it must not be able to add lines or a link to it.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

EMAIL_NAME_LENGTH = 40

# Line and paragraph separators and every control or format character (including the
# bidirectional overrides that can reorder what a reader sees).
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
# What a mail app could turn into a link: a scheme, www., an address, a path or a bare
# domain. Broad on purpose: a name that matches is left out, and the greeting has none.
_LINK_LIKE = re.compile(r"[a-z][a-z0-9+.-]*:|www\.|@|/|[a-z0-9-]\.[a-z]{2,}", re.IGNORECASE)
# What a form refuses: only what is surely a link, since St.John is a name.
_SURELY_LINK = re.compile(r"[a-z][a-z0-9+.-]*:/|www\.|@|\b(?:https?|mailto):", re.IGNORECASE)


def _has_hidden(value: str) -> bool:
    return any(unicodedata.category(char) in _HIDDEN_CATEGORIES for char in value)


def looks_like_link(value: str) -> bool:
    return bool(_LINK_LIKE.search(value))


def is_surely_link(value: str) -> bool:
    return bool(_SURELY_LINK.search(value))


def email_name(value: str | None) -> str:
    """The name as it may appear in an email, or "" to greet without one.

    Control characters go, whitespace collapses to single spaces, and the result is cut to
    EMAIL_NAME_LENGTH characters; a name that looks like a link is not shown at all (names
    stored before the form refused them, or sent through the API).
    """
    text = "".join(
        " " if unicodedata.category(char) in _HIDDEN_CATEGORIES else char for char in value or ""
    )
    text = " ".join(text.split())
    if looks_like_link(text):
        return ""
    if len(text) > EMAIL_NAME_LENGTH:
        text = text[: EMAIL_NAME_LENGTH - 1].rstrip() + "…"
    return text


def clean_name(value: str) -> str:
    """A name typed into a form: refused, with a reason, if it hides characters or a link."""
    if _has_hidden(value.strip()):
        raise ValidationError(
            _("Names cannot contain line breaks or other control characters."), code="control"
        )
    text = " ".join(value.split())
    if is_surely_link(text):
        raise ValidationError(_("Enter just a name, without a web or email address."), code="link")
    return text
