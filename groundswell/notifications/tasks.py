from django.conf import settings
from django.core.mail import EmailMessage
from django.tasks import task

from .backends import from_organisation


@task()
def send_email(to: list[str], subject: str, body: str, organisation_id: int | None = None) -> None:
    """Send one plain-text email through Django's mail settings (run by the worker)."""
    message = EmailMessage(
        subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to
    )
    from_organisation(message, organisation_id).send()


def queue_email(to: list[str], subject: str, body: str, organisation_id: int | None) -> None:
    """Queue one email for the worker (notifications.services.queue_email says when)."""
    send_email.enqueue(to=to, subject=subject, body=body, organisation_id=organisation_id)
