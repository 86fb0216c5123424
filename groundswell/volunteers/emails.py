"""The emails a volunteer gets: a place, the waitlist, a place after all, the reminder.

Each is in the language the person used on the form, and carries the link to their own
page, where they can cancel. The worker's decision (a place or the waitlist) is owed by
the row and sent in batches (`telling.py`), built here once per shift as a `Letter`; a
place after all and the reminder are queued (notifications) in the transaction that made
the move.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from groundswell.notifications.bulk import Letter, slot
from groundswell.notifications.services import queue_email
from groundswell.supporters.links import supporter_page_url

from .models import DecisionEmail, Shift, Signup
from .times import when


def page_url(signup: Signup) -> str:
    return own_page_url(signup.shift.need.organisation.slug, signup.token)


def own_page_url(org_slug: str, token: str) -> str:
    return f"{settings.SITE_URL}{reverse('volunteers:signup', args=[org_slug, token])}"


def _send(signup: Signup, subject: str, lines: list[str]) -> None:
    need = signup.shift.need
    sharing = supporter_page_url(signup.supporter_id) if signup.supporter_id else ""
    body = _body(
        signup.shift, signup.given_name or _("volunteer"), lines, page_url(signup), sharing
    )
    queue_email(to=signup.email, subject=subject, body=body, organisation_id=need.organisation_id)


def _body(shift: Shift, name: str, lines: list[str], page: str, sharing: str) -> str:
    """Every volunteer email's words around its own `lines`; `sharing`, the link to their
    private page, which counts the volunteers their share link brings ("" without one)."""
    return "\n".join(
        [
            _("Dear %(name)s,") % {"name": name},
            "",
            *lines,
            "",
            _("Your place, and the button to cancel if you cannot come:"),
            page,
            *(["", _("What your sharing achieved:"), sharing] if sharing else []),
            "",
            shift.need.organisation.name,
        ]
    )


def _details(shift: Shift) -> list[str]:
    return [
        _("When: %(when)s") % {"when": when(shift)},
        _("Where: %(place)s") % {"place": shift.place},
    ]


def _placed(shift: Shift) -> tuple[str, list[str]]:
    title = shift.need.title
    return (
        _("Your place is confirmed: %(need)s") % {"need": title},
        [_("Thank you! You have a place on this shift of “%(need)s”.") % {"need": title},
         *_details(shift)],
    )  # fmt: skip


def _waitlisted(shift: Shift) -> tuple[str, list[str]]:
    title = shift.need.title
    return (
        _("You are on the waitlist: %(need)s") % {"need": title},
        [
            _(
                "Thank you! This shift of “%(need)s” is full, so you are on its waitlist. "
                "If a place opens up it is yours, and we will email you at once."
            )
            % {"need": title},
            *_details(shift),
        ],
    )


_DECISIONS = {DecisionEmail.PLACED: _placed, DecisionEmail.WAITLISTED: _waitlisted}


def decision_letter(kind: str, shift: Shift, *, named: bool, sharing: bool) -> Letter:
    """The email saying the worker's decision, for everyone of a shift, in the active
    language: slots for the name (`named`), their page, their private page (`sharing`)
    and the Message-ID's `id` (the same for a copy sent again after a worker's kill)."""
    subject, lines = _DECISIONS[DecisionEmail(kind)](shift)
    name = slot("name") if named else _("volunteer")
    body = _body(shift, name, lines, slot("page"), slot("sharing") if sharing else "")
    host = urlsplit(settings.SITE_URL).hostname
    return Letter(
        subject=subject,
        body=body,
        headers={"Message-ID": f"<volunteer-{kind}.{slot('id')}@{host}>"},
        organisation_id=shift.need.organisation_id,
    )


def moved_up(signup: Signup) -> None:
    with translation.override(signup.language or settings.LANGUAGE_CODE):
        title = signup.shift.need.title
        _send(
            signup,
            _("A place opened up: %(need)s") % {"need": title},
            [_("Good news: a place opened up on this shift of “%(need)s”, and it is yours.")
             % {"need": title}, *_details(signup.shift)],
        )  # fmt: skip


def reminder(signup: Signup) -> None:
    with translation.override(signup.language or settings.LANGUAGE_CODE):
        title = signup.shift.need.title
        _send(
            signup,
            _("Tomorrow: %(need)s") % {"need": title},
            [_("A reminder that you volunteered for “%(need)s”. See you there!") % {"need": title},
             *_details(signup.shift)],
        )  # fmt: skip
