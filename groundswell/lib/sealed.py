"""Secrets kept at rest encrypted with a key derived from SECRET_KEY, one key per purpose.

The same scheme as syndication/crypto.py (Fernet under HKDF, SECRET_KEY_FALLBACKS read for
rotation), here in lib so that apps below syndication (accounts) can use it too; each purpose
names its own HKDF `info`, so a value sealed for one purpose does not open as another.
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


@cache
def _fernet(secret_key: str, purpose: str) -> Fernet:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"groundswell.lib.sealed", info=purpose.encode()
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def _keys(purpose: str) -> MultiFernet:
    # MultiFernet seals with the first key and tries each in turn to open.
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return MultiFernet([_fernet(key, purpose) for key in keys])


def seal(plain: str, *, purpose: str) -> str:
    return _keys(purpose).encrypt(plain.encode()).decode("ascii")


def unseal(sealed: str, *, purpose: str) -> str:
    try:
        return _keys(purpose).decrypt(sealed.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        raise Unreadable from None
