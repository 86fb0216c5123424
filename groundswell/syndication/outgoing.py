"""What a network client is given to post, and what it can answer. No Django models here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Image:
    content: bytes
    mime_type: str
    alt_text: str
    width: int
    height: int


@dataclass(frozen=True)
class Link:
    url: str
    title: str
    description: str


@dataclass(frozen=True)
class Outgoing:
    text: str
    language: str
    link: Link | None  # shown as a card where the network lets us build one (Bluesky)
    image: Image | None  # attached as media with its alt text
    thumb: Image | None  # a small image for the link card
    idempotency_key: str
    record_key: str  # Bluesky's rkey, fixed per post so that a repeat cannot add a second post


@dataclass(frozen=True)
class Delivered:
    remote_id: str
    remote_url: str


class DeliveryError(Exception):
    """Posting failed. `temporary` failures are tried again later; others wait for a person.

    The message is shown to staff: it never contains a secret.
    """

    def __init__(self, message: str, *, temporary: bool) -> None:
        super().__init__(message)
        self.temporary = temporary


class CredentialsRefused(DeliveryError):
    def __init__(self, message: str) -> None:
        super().__init__(message, temporary=False)
