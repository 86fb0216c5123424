"""Secrets at rest: app passwords and access tokens are stored encrypted, never in clear.

The Fernet key is derived from SECRET_KEY with HKDF, so a database dump alone does not reveal
the secrets. New secrets are encrypted with SECRET_KEY; stored ones are read with SECRET_KEY or
any of SECRET_KEY_FALLBACKS, so a key can be rotated the way Django rotates it (move the old
key to the fallbacks). Once a key leaves both, what it encrypted is unreadable: accounts then
have to be connected again (sending fails with a message that says so).
"""

from __future__ import annotations

import base64
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class SecretUnreadable(Exception):
    """The stored secret cannot be decrypted (SECRET_KEY changed, or the value is damaged)."""


@cache
def _fernet(secret_key: str) -> Fernet:
    derived = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"groundswell.syndication",
        info=b"channel account secrets v1",
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def _keys() -> MultiFernet:
    # MultiFernet encrypts with the first key and tries each in turn to decrypt.
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return MultiFernet([_fernet(key) for key in keys])


def encrypt(plain: str) -> str:
    return _keys().encrypt(plain.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _keys().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        raise SecretUnreadable from None
