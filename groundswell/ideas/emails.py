"""The confirmation email every contribution asks for (queued, never sent in a request)."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from groundswell.notifications.services import queue_email

from . import links


def queue_confirmation(
    *, kind: str, pk: int, email: str, name: str, language: str, what: str, organisation: object
) -> None:
    """Queue the email with the link that confirms this contribution (call in its transaction)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = {
            "idea": _("Confirm your idea"),
            "comment": _("Confirm your comment"),
            "vote": _("Confirm your vote"),
            "pledge": _("Confirm your pledge"),
        }[kind]
        body = "\n".join(
            [
                _("Dear %(name)s,") % {"name": name or _("supporter")},
                "",
                _("Please confirm it was you, about “%(what)s”, by following this link:")
                % {"what": what},
                links.confirm_url(kind, pk),
                "",
                _("It counts once confirmed. If it was not you, ignore this email."),
                "",
                str(getattr(organisation, "name", "")),
            ]
        )
    queue_email(
        to=email,
        subject=subject,
        body=body,
        organisation_id=getattr(organisation, "pk", None),
    )
