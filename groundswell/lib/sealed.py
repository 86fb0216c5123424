"""Secrets kept at rest encrypted with a key derived from SECRET_KEY, one key per purpose.

Fernet under a key derived with HKDF, so a database dump alone does not reveal the secrets.
New values are sealed with SECRET_KEY; stored ones open with SECRET_KEY or any of
SECRET_KEY_FALLBACKS, so a key can be rotated the way Django rotates it (move the old key to
the fallbacks). Once a key leaves both, what it sealed is unreadable. Each purpose names its
own HKDF `info` (and may name a salt), so a value sealed for one purpose does not open as
another.
"""

from __future__ import annotations

import base64
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class Unreadable(Exception):
    """The sealed value cannot be opened (SECRET_KEY changed, or the value is damaged)."""


SALT = b"groundswell.lib.sealed"


@cache
def _fernet(secret_key: str, purpose: str, salt: bytes) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=purpose.encode()).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def _keys(purpose: str, salt: bytes) -> MultiFernet:
    # MultiFernet seals with the first key and tries each in turn to open.
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return MultiFernet([_fernet(key, purpose, salt) for key in keys])


def seal(plain: str, *, purpose: str, salt: bytes = SALT) -> str:
    return _keys(purpose, salt).encrypt(plain.encode()).decode("ascii")


def unseal(sealed: str, *, purpose: str, salt: bytes = SALT) -> str:
    try:
        return _keys(purpose, salt).decrypt(sealed.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        raise Unreadable from None
