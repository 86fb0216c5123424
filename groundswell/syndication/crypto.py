"""Secrets at rest: app passwords and access tokens are stored sealed (lib/sealed.py).

Once SECRET_KEY and its fallbacks no longer hold the key a secret was sealed with, accounts
have to be connected again (sending fails with a message that says so).
"""

from __future__ import annotations

from groundswell.lib import sealed

# What the secrets stored before lib/sealed.py existed were sealed with: kept, so they open.
_PURPOSE = "channel account secrets v1"
_SALT = b"groundswell.syndication"

SecretUnreadable = sealed.Unreadable


def encrypt(plain: str) -> str:
    return sealed.seal(plain, purpose=_PURPOSE, salt=_SALT)


def decrypt(token: str) -> str:
    return sealed.unseal(token, purpose=_PURPOSE, salt=_SALT)
