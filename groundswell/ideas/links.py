"""Signed confirmation links for ideas, comments, votes and pledges.

The kind travels inside the signed value, so a link confirms only what it was made for; a
salt of our own keeps it from ever passing for a petition's link.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "groundswell.ideas.confirm"
MAX_AGE = timedelta(days=14)
KINDS = ("idea", "comment", "vote", "pledge")


class LinkError(Exception):
    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def confirm_url(kind: str, pk: int) -> str:
    token = signing.dumps([kind, pk], salt=SALT, compress=False)
    return settings.SITE_URL + reverse("ideas:confirm", args=[token])


def read(token: str) -> tuple[str, int]:
    try:
        value = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired:
        raise LinkError(expired=True) from None
    except signing.BadSignature:
        raise LinkError(expired=False) from None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or value[0] not in KINDS
        or not isinstance(value[1], int)
    ):
        raise LinkError(expired=False)
    return value[0], value[1]
