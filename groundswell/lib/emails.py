"""Email addresses: validation with clear messages, and normalisation for deduplication.

The normalised form is only ever used to find the same person twice; we always write to the
address exactly as they typed it.
"""

from __future__ import annotations

import functools
import unicodedata

import idna
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

# Providers that ignore dots in the local part (and where googlemail.com is gmail.com).
DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}

# Throwaway-mailbox services: a signature from one cannot be confirmed by a real person later.
DISPOSABLE_DOMAINS = frozenset(
    {
        "mailinator.com", "guerrillamail.com", "guerrillamail.net", "sharklasers.com",
        "10minutemail.com", "10minutemail.net", "tempmail.com", "temp-mail.org", "yopmail.com",
        "trashmail.com", "getnada.com", "dispostable.com", "maildrop.cc", "throwawaymail.com",
        "fakeinbox.com", "mintemail.com", "mohmal.com", "emailondeck.com", "tempail.com",
    }
)  # fmt: skip


@functools.lru_cache(maxsize=4096)
def _idna(domain: str) -> str | None:
    # IDNA checks are slow and a spike brings the same few domains again and again.
    domain = unicodedata.normalize("NFC", domain.strip().rstrip(".").lower())
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError:
        return None


def _ascii_domain(domain: str) -> str:
    ascii_domain = _idna(domain)
    if ascii_domain is None:
        raise ValidationError(_("The part after @ is not a valid domain name."))
    return ascii_domain


def clean_email(raw: str) -> str:
    """Return the address as typed (trimmed), or raise ValidationError with a clear message."""
    value = (raw or "").strip()
    if not value:
        raise ValidationError(_("Enter your email address."))
    if len(value) > 254:
        raise ValidationError(_("That email address is too long."))
    if value.count("@") != 1:
        raise ValidationError(_("An email address has exactly one @, like name@example.org."))
    local, domain = value.rsplit("@", 1)
    if not local:
        raise ValidationError(_("Enter the part before the @."))
    ascii_domain = _ascii_domain(domain)
    if "." not in ascii_domain:
        raise ValidationError(_("The part after @ needs a dot, like example.org."))
    try:
        validate_email(f"{local}@{ascii_domain}")
    except ValidationError:
        raise ValidationError(_("That does not look like an email address.")) from None
    if ascii_domain in DISPOSABLE_DOMAINS:
        raise ValidationError(
            _("Please use an address you keep: we send a link to confirm your signature.")
        )
    return value


def normalise_email(value: str) -> str:
    """The key that identifies a person: case, IDN domain, +tags and Gmail dots folded."""
    local, domain = value.strip().rsplit("@", 1)
    domain = _ascii_domain(domain)
    local = unicodedata.normalize("NFC", local).lower()
    local = local.split("+", 1)[0] or local
    if domain in DOTLESS_DOMAINS:
        domain = DOTLESS_DOMAINS[domain]
        local = local.replace(".", "")
    return f"{local}@{domain}"


def email_domain(value: str) -> str:
    """The domain part as normalise_email folds it (googlemail.com is gmail.com); "" if it
    has none that could receive mail. Never raises: the worker calls it on stored rows."""
    domain = value.strip().rpartition("@")[2]
    ascii_domain = _idna(domain) if domain else None
    if not ascii_domain:
        return ""
    return DOTLESS_DOMAINS.get(ascii_domain, ascii_domain)
