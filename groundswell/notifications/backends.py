"""A mail backend that keeps messages in the database, so the demo shows what it would send."""

from collections.abc import Sequence
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend


class OutboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[Any]) -> int:
        from .models import OutboxMessage

        for message in email_messages:
            OutboxMessage.objects.create(
                to=", ".join(message.to)[:1000],
                subject=str(message.subject)[:500],
                body=str(message.body),
            )
        return len(email_messages)


def outbox_enabled() -> bool:
    from django.conf import settings

    backend = getattr(settings, "MAILERS", {}).get("default", {}).get("BACKEND", "")
    return backend == f"{__name__}.OutboxBackend"
