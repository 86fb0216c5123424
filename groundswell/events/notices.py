"""Telling everyone coming that the organisers changed or cancelled an event, in steps that
resume, as campaign updates are sent (actions/updates.py).

    edit ─▶ notice (due in NOTICE_DELAY; a further edit before it starts moves it on)
    cancel ─▶ notice (due now; takes over a change notice not started yet)
    step: list a delivery row per attendee ─▶ send ─▶ each row marked sent

Why fold quick edits: organisers save, spot a typo in the place, and save again; a
notice per save would give each attendee two or three emails about one change. A notice
waits NOTICE_DELAY after the last edit and says how the event is when it goes out, so the
last save is the one people read. A cancellation goes at once and makes a pending change
notice the cancellation (nobody needs "it moved" just before "it is off").

A step holds the notice's named lease (lib/leases.py) and renews it as the mail server takes
each message; a delivery row is marked sent once the server took it, so a step killed half
way is taken over by the next without writing to anyone twice.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Min, Q, QuerySet
from django.utils import timezone, translation

from groundswell.lib import leases
from groundswell.notifications.bulk import Letter, Outgoing
from groundswell.notifications.rows import send_rows

from . import emails
from .models import (
    ANSWERED,
    Attendance,
    Event,
    EventNotice,
    NoticeDelivery,
    NoticeKind,
    NoticeState,
)

logger = logging.getLogger(__name__)

NOTICE_DELAY = timedelta(minutes=5)
NOTICE_BATCH = 400
NOTICE_LEASE = timedelta(minutes=2)
# A mail server that puts an address off (4xx to RCPT): tried again after these waits.
NOTICE_RETRY = leases.Retry(
    lease=timedelta(0),
    waits=(timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1)),
)


def notice_change(event: Event) -> EventNotice:
    """A change people must hear of (in the caller's transaction, which holds the event's
    lock): fold it into the change notice not yet started, or start one."""
    due = leases.now() + NOTICE_DELAY
    # The step sets `started_at` with a conditional UPDATE too: of the two, one wins, and a
    # notice already started is left alone (a new one follows it).
    found = _not_started(event)
    if found and _not_started_row(found).update(due_at=due):
        return EventNotice.objects.get(pk=found)
    return EventNotice.objects.create(event=event, kind=NoticeKind.CHANGED, due_at=due)


def _not_started(event: Event) -> int | None:
    return (
        EventNotice.objects.filter(
            event=event, kind=NoticeKind.CHANGED, started_at__isnull=True, finished_at__isnull=True
        )
        .values_list("pk", flat=True)
        .first()
    )


def _not_started_row(pk: int) -> QuerySet[EventNotice]:
    return EventNotice.objects.filter(pk=pk, started_at__isnull=True, holder="")


def notice_cancel(event: Event) -> EventNotice:
    """The event is off: the change notice not yet started says so instead, at once."""
    now = leases.now()
    found = _not_started(event)
    if found and _not_started_row(found).update(kind=NoticeKind.CANCELLED, due_at=now):
        return EventNotice.objects.get(pk=found)
    return EventNotice.objects.create(event=event, kind=NoticeKind.CANCELLED, due_at=now)


class _LeaseLost(Exception):
    """Our lease on the notice ran out and another step took it: send no more of it."""


def notice_step() -> int:
    """One step of the first due notice no other step holds: NOTICE_BATCH if it did
    anything (so the turn goes on), 0 if there was nothing to do."""
    now = leases.now()
    going = EventNotice.objects.filter(finished_at__isnull=True, due_at__lte=now)
    free = Q(until__isnull=True) | Q(until__lte=now)
    notice = going.filter(free).order_by("due_at", "pk").first()
    if notice is None:
        return 0
    holder = f"{socket.gethostname()[:60]}/{os.getpid()}/{secrets.token_hex(4)}"
    ours = going.filter(pk=notice.pk)
    if not leases.take(ours, holder, now, NOTICE_LEASE):
        return NOTICE_BATCH  # another step took it meanwhile: look again
    # From here no edit folds into this notice (notice_change looks for started_at null).
    EventNotice.objects.filter(pk=notice.pk, started_at__isnull=True).update(started_at=now)

    def still_ours() -> None:
        if not leases.renew(ours, holder, leases.now(), NOTICE_LEASE):
            raise _LeaseLost

    try:
        event = Event.objects.select_related("organisation").get(pk=notice.event_id)
        handled = (0 if notice.listed else _list(notice)) + _send(notice, event, still_ours)
        if not handled:
            first = NoticeDelivery.objects.filter(
                notice_id=notice.pk, state=NoticeState.PENDING
            ).aggregate(first=Min("retry_at"))["first"]
            if first is not None:  # only addresses put off are left: wait for the first
                ours.filter(holder=holder).update(holder="", until=first)
                return 0
            sent = NoticeDelivery.objects.filter(notice_id=notice.pk, state=NoticeState.SENT)
            leases.release(
                ours, holder, finished_at=timezone.now(), listed=True, recipients=sent.count()
            )
    except _LeaseLost:
        logger.warning("event notice %s: the lease ran out; another step sends the rest", notice.pk)
    finally:
        leases.release(ours, holder)  # a no-op once another step holds it
    return NOTICE_BATCH


def _list(notice: EventNotice) -> int:
    """Write the next NOTICE_BATCH attendees' delivery rows; how many were listed."""
    rows = list(
        Attendance.objects.filter(event_id=notice.event_id, pk__gt=notice.listed_to)
        .told()
        .order_by("pk")
        .values_list("pk", flat=True)[:NOTICE_BATCH]
    )
    with transaction.atomic():
        NoticeDelivery.objects.bulk_create(
            [NoticeDelivery(notice=notice, attendance_id=pk) for pk in rows],
            ignore_conflicts=True,  # listed already by a step that died before moving on
        )
        notice.listed_to = rows[-1] if rows else notice.listed_to
        notice.listed = len(rows) < NOTICE_BATCH
        EventNotice.objects.filter(pk=notice.pk).update(
            listed_to=notice.listed_to, listed=notice.listed
        )
    return len(rows)


def _send(notice: EventNotice, event: Event, still_ours: Callable[[], None]) -> int:
    """Send up to NOTICE_BATCH due deliveries; how many were handled."""
    due = Q(retry_at__isnull=True) | Q(retry_at__lte=leases.now())
    waiting = list(
        NoticeDelivery.objects.filter(due, notice=notice, state=NoticeState.PENDING)
        .select_related("attendance")
        .order_by("pk")[:NOTICE_BATCH]
    )
    if not waiting:
        return 0
    # Asked again at sending: someone may have cancelled since listing. And a change
    # notice for an event cancelled meanwhile says nothing: the cancellation notice will.
    stale = notice.kind == NoticeKind.CHANGED and event.cancelled
    gone = [
        d.pk
        for d in waiting
        if stale or d.attendance.state not in ANSWERED or not d.attendance.email
    ]
    if gone:
        NoticeDelivery.objects.filter(pk__in=gone, state=NoticeState.PENDING).update(
            state=NoticeState.SKIPPED
        )
    compose = emails.changed if notice.kind == NoticeKind.CHANGED else emails.event_cancelled
    outgoing: list[Outgoing] = []
    for delivery in waiting:
        if delivery.pk in gone:
            continue
        attendance = delivery.attendance
        attendance.event = event
        with translation.override(attendance.language or settings.LANGUAGE_CODE):
            subject, body = compose(attendance)
        # One person's own letter (their links, language and place differ); the Message-ID
        # is the same on a resend after a kill, so a mail app shows one message.
        letter = Letter(
            subject=subject,
            body=body,
            headers={"Message-ID": f"<event-notice.{notice.pk}.{attendance.pk}@{_host()}>"},
            organisation_id=event.organisation_id,
        )
        outgoing.append(letter.to(attendance.email, delivery.pk, {}))

    send_rows(NoticeDelivery, waiting, outgoing, still_ours, NOTICE_RETRY, "event change")
    return len(waiting)


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"
