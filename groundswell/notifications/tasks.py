from django.conf import settings
from django.core.mail import EmailMessage
from django.tasks import task


@task()
def send_email(to: list[str], subject: str, body: str) -> None:
    """Send one plain-text email through Django's mail settings (run by the worker)."""
    EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to).send()
