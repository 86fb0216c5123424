"""The confirmation email every contribution asks for (queued, never sent in a request).

Ideas, comments and pledges queue one email each (`queue_confirmation`); votes come in
spikes, so their rows are the queue and `vote_emails.py` sends them in batches. Both write
the same words, with `compose`.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from groundswell.notifications.services import queue_email

from . import links


def compose(*, kind: str, name: str, what: str, link: str, signature: str) -> tuple[str, str]:
    """The subject and body asking to confirm, in the active language."""
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
            link,
            "",
            _("It counts once confirmed. If it was not you, ignore this email."),
            "",
            signature,
        ]
    )
    return subject, body


def queue_confirmation(
    *, kind: str, pk: int, email: str, name: str, language: str, what: str, organisation: object
) -> None:
    """Queue the email with the link that confirms this contribution (call in its transaction)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        subject, body = compose(
            kind=kind, name=name, what=what, link=links.confirm_url(kind, pk),
            signature=str(getattr(organisation, "name", "")),
        )  # fmt: skip
    queue_email(
        to=email,
        subject=subject,
        body=body,
        organisation_id=getattr(organisation, "pk", None),
    )
