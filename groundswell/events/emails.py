"""What the worker tells attendees, each email in the person's own language.

Every email carries the person's own page (their place, the calendar file) and the link to
cancel, which shows a page with a button: a GET never cancels (mail scanners follow links).
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _

from groundswell.notifications.services import queue_email
from groundswell.supporters.links import supporter_page_url

from .models import Attendance, AttendanceState, Event, EventKind

DASH = "\u2013"  # an en dash between two times


def when(event: Event) -> str:
    """The event's day and hours in its own time zone, named: what people plan by."""
    start, end = event.local_start, event.local_end
    day = date_format(start, "DATE_FORMAT")
    until = time_format(end, "H:i")
    if end.date() != start.date():
        until = f"{date_format(end, 'DATE_FORMAT')} {until}"
    return f"{day}, {time_format(start, 'H:i')}{DASH}{until} ({event.time_zone})"


def where(event: Event, *, with_link: bool) -> str:
    if event.kind == EventKind.ONLINE:
        if with_link and event.online_url:
            return _("Online: %(link)s") % {"link": event.online_url}
        return _("Online (the link comes with your place)")
    return event.venue


def own_page_url(attendance: Attendance) -> str:
    path = reverse("events:attendance", args=[attendance.event.organisation.slug, attendance.token])
    return f"{settings.SITE_URL}{path}"


def cancel_url(attendance: Attendance) -> str:
    path = reverse("events:cancel", args=[attendance.event.organisation.slug, attendance.token])
    return f"{settings.SITE_URL}{path}"


def updates_url(attendance: Attendance) -> str:
    path = reverse(
        "events:confirm_updates", args=[attendance.event.organisation.slug, attendance.token]
    )
    return f"{settings.SITE_URL}{path}"


def _confirm_updates(attendance: Attendance) -> list[str]:
    """The one tap that confirms the "keep me updated" they ticked, in the email they were
    waiting for anyway (the place or the waiting list): on a phone a second email asking
    only for that would look like a repeat, and be left unopened."""
    if not attendance.updates_consent_id:
        return []
    return [
        "",
        _("You asked to hear about this campaign and the organisation's work. Confirm it here:"),
        updates_url(attendance),
    ]


def calendar_url(event: Event) -> str:
    path = reverse("events:ics", args=[event.organisation.slug, event.pk])
    return f"{settings.SITE_URL}{path}"


def _send(attendance: Attendance, subject: str, lines: list[str], *, cancel: bool = True) -> None:
    subject, body = _compose(attendance, subject, lines, cancel=cancel)
    queue_email(
        to=attendance.email,
        subject=subject,
        body=body,
        organisation_id=attendance.event.organisation_id,
    )


def _compose(
    attendance: Attendance,
    subject: str,
    lines: list[str],
    *,
    cancel: bool = True,
    supporter_page: str = "",
) -> tuple[str, str]:
    """The subject and body of one email to one attendee, in the active language
    (`supporter_page`: their private page's link, when the caller has it already)."""
    event = attendance.event
    footer = [
        "",
        _("Your RSVP: %(link)s") % {"link": own_page_url(attendance)},
        _("Add it to your calendar: %(link)s") % {"link": calendar_url(event)},
    ]
    if cancel:
        footer.append(
            _("Cannot come? Free your place: %(link)s") % {"link": cancel_url(attendance)}
        )
    if attendance.supporter_id:
        # Their private page counts the RSVPs their share link brings (referrals.rules).
        footer.append(
            _("What your sharing achieved: %(link)s")
            % {"link": supporter_page or supporter_page_url(attendance.supporter_id)}
        )
    greeting = _("Dear %(name)s,") % {"name": attendance.given_name or _("friend")}
    return subject, "\n".join([greeting, "", *lines, *footer])


def _details(event: Event, *, with_link: bool) -> list[str]:
    return [
        "",
        f"{event.title}",
        _("When: %(when)s") % {"when": when(event)},
        _("Where: %(where)s") % {"where": where(event, with_link=with_link)},
    ]


def _language(attendance: Attendance) -> str:
    return attendance.language or settings.LANGUAGE_CODE


def decision(attendance: Attendance, kind: str, *, supporter_page: str = "") -> tuple[str, str]:
    """What the worker decided for a new RSVP (`kind`: the state it gave), in the active
    language: a place, the waiting list, or the event called off (letters.py sends it)."""
    event = attendance.event
    if kind == AttendanceState.GOING:
        return _compose(
            attendance,
            _("Your place at %(title)s is confirmed") % {"title": event.title},
            [
                _("You have a place. See you there!"),
                *_details(event, with_link=True),
                *_confirm_updates(attendance),
            ],
            supporter_page=supporter_page,
        )
    if kind == AttendanceState.WAITLISTED:
        return _compose(
            attendance,
            _("You are on the waiting list for %(title)s") % {"title": event.title},
            [
                _(
                    "Every place is taken for now, so you are on the waiting list. If a place "
                    "frees up, it is yours in the order people answered, and we email you."
                ),
                *_details(event, with_link=False),
                *_confirm_updates(attendance),
            ],
            supporter_page=supporter_page,
        )
    return event_cancelled(attendance, supporter_page=supporter_page)


def send_moved_up(attendance: Attendance) -> None:
    event = attendance.event
    with translation.override(_language(attendance)):
        _send(
            attendance,
            _("A place at %(title)s is now yours") % {"title": event.title},
            [
                _(
                    "Someone could not come, and you were next on the waiting list: "
                    "you have a place."
                ),
                *_details(event, with_link=True),
            ],
        )


def send_reminder(attendance: Attendance) -> None:
    event = attendance.event
    with translation.override(_language(attendance)):
        _send(
            attendance,
            _("Reminder: %(title)s is tomorrow") % {"title": event.title},
            [_("A reminder that you have a place."), *_details(event, with_link=True)],
        )


def changed(attendance: Attendance) -> tuple[str, str]:
    """The organisers changed the time or place: how it is now (notices.py sends it)."""
    event = attendance.event
    return _compose(
        attendance,
        _("%(title)s has changed") % {"title": event.title},
        [
            _("The organisers changed the time or the place. This is how it is now:"),
            *_details(event, with_link=attendance.state == "going"),
        ],
    )


def event_cancelled(attendance: Attendance, *, supporter_page: str = "") -> tuple[str, str]:
    """The organisers called the event off (notices.py sends it to everyone coming; the
    worker to an RSVP it finds for an event already called off or over)."""
    event = attendance.event
    return _compose(
        attendance,
        _("%(title)s is cancelled") % {"title": event.title},
        [
            _("We are sorry: the organisers have cancelled this event."),
            *_details(event, with_link=False),
        ],
        cancel=False,
        supporter_page=supporter_page,
    )


def send_cancelled(attendance: Attendance) -> None:
    """The person freed their place: a receipt, so a forged cancel would not go unseen."""
    event = attendance.event
    with translation.override(_language(attendance)):
        _send(
            attendance,
            _("You cancelled your RSVP to %(title)s") % {"title": event.title},
            [
                _(
                    "Your place is freed for the next person. Changed your mind? Answer "
                    "again on the event's page while places last."
                ),
                *_details(event, with_link=False),
            ],
            cancel=False,
        )
