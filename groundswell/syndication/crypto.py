"""Secrets at rest: app passwords and access tokens are stored encrypted, never in clear.

The Fernet key is derived from SECRET_KEY with HKDF, so a database dump alone does not reveal
the secrets. Rotating SECRET_KEY makes stored secrets unreadable: accounts then have to be
connected again (sending fails with a message that says so).
"""

from __future__ import annotations

import base64
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
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


def encrypt(plain: str) -> str:
    return _fernet(settings.SECRET_KEY).encrypt(plain.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _fernet(settings.SECRET_KEY).decrypt(token.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        raise SecretUnreadable from None
