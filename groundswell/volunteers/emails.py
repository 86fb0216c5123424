"""The emails a volunteer gets: a place, the waitlist, a place after all, the reminder.

Each is queued (notifications) in the transaction that made the move, in the language the
person used on the form, and carries the link to their own page, where they can cancel.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from groundswell.notifications.services import queue_email
from groundswell.supporters.links import supporter_page_url

from .models import Signup
from .times import when


def page_url(signup: Signup) -> str:
    org = signup.shift.need.organisation.slug
    return f"{settings.SITE_URL}{reverse('volunteers:signup', args=[org, signup.token])}"


def _send(signup: Signup, subject: str, lines: list[str]) -> None:
    need = signup.shift.need
    body = "\n".join(
        [
            _("Dear %(name)s,") % {"name": signup.given_name or _("volunteer")},
            "",
            *lines,
            "",
            _("Your place, and the button to cancel if you cannot come:"),
            page_url(signup),
            *_sharing(signup),
            "",
            need.organisation.name,
        ]
    )
    queue_email(to=signup.email, subject=subject, body=body, organisation_id=need.organisation_id)


def _sharing(signup: Signup) -> list[str]:
    """Their private page, which counts the volunteers their share link brings."""
    if not signup.supporter_id:
        return []
    return ["", _("What your sharing achieved:"), supporter_page_url(signup.supporter_id)]


def _details(signup: Signup) -> list[str]:
    shift = signup.shift
    return [
        _("When: %(when)s") % {"when": when(shift)},
        _("Where: %(place)s") % {"place": shift.place},
    ]


def placed(signup: Signup) -> None:
    with translation.override(signup.language or settings.LANGUAGE_CODE):
        title = signup.shift.need.title
        _send(
            signup,
            _("Your place is confirmed: %(need)s") % {"need": title},
            [_("Thank you! You have a place on this shift of “%(need)s”.") % {"need": title},
             *_details(signup)],
        )  # fmt: skip


def waitlisted(signup: Signup) -> None:
    with translation.override(signup.language or settings.LANGUAGE_CODE):
        title = signup.shift.need.title
        _send(
            signup,
            _("You are on the waitlist: %(need)s") % {"need": title},
            [
                _(
                    "Thank you! This shift of “%(need)s” is full, so you are on its waitlist. "
                    "If a place opens up it is yours, and we will email you at once."
                )
                % {"need": title},
                *_details(signup),
            ],
        )


def moved_up(signup: Signup) -> None:
    with translation.override(signup.language or settings.LANGUAGE_CODE):
        title = signup.shift.need.title
        _send(
            signup,
            _("A place opened up: %(need)s") % {"need": title},
            [_("Good news: a place opened up on this shift of “%(need)s”, and it is yours.")
             % {"need": title}, *_details(signup)],
        )  # fmt: skip


def reminder(signup: Signup) -> None:
    with translation.override(signup.language or settings.LANGUAGE_CODE):
        title = signup.shift.need.title
        _send(
            signup,
            _("Tomorrow: %(need)s") % {"need": title},
            [_("A reminder that you volunteered for “%(need)s”. See you there!") % {"need": title},
             *_details(signup)],
        )  # fmt: skip
