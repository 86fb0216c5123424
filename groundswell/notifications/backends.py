"""A mail backend that keeps messages in the database, so the demo shows what it would send."""

from collections.abc import Sequence
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend

# An attribute, not a header: it must never travel with real mail.
ORGANISATION_ATTRIBUTE = "groundswell_organisation_id"


def from_organisation[Message](message: Message, organisation_id: int | None) -> Message:
    """Mark mail an organisation sends to its supporters, so its outbox may show it.

    Mail left unmarked (password resets, invitations, anything about an account) belongs to
    no organisation and never appears in any organisation's outbox: its links sign people in.
    """
    setattr(message, ORGANISATION_ATTRIBUTE, organisation_id)
    return message


class OutboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[Any]) -> int:
        from .models import OutboxMessage

        for message in email_messages:
            OutboxMessage.objects.create(
                organisation_id=getattr(message, ORGANISATION_ATTRIBUTE, None),
                to=", ".join(message.to)[:1000],
                subject=str(message.subject)[:500],
                body=str(message.body),
            )
        return len(email_messages)


def outbox_enabled() -> bool:
    from django.conf import settings

    backend: str = getattr(settings, "MAILERS", {}).get("default", {}).get("BACKEND", "")
    return backend == f"{__name__}.OutboxBackend"
