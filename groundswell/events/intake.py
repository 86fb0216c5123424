"""The RSVP's request half: one INSERT, as signing and giving do.

`take` stores the answer as an `Attendance` in state `new`, guarded by the (event, person)
unique constraint, and hands back the row's tokens: a repeat of the same person's RSVP
stores nothing and gets the same tokens. Nothing else happens in the request; the worker
(decisions.py) finds or creates the supporter, credits whoever shared the link, records the
consents and gives a place or a spot on the waiting list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from groundswell.lib.bulk import prepare_insert
from groundswell.lib.emails import normalise_email

from .access import EventForRsvp
from .models import Attendance, AttendanceState, Event


@dataclass
class RsvpRequest:
    """What a person sent, from the web form or the OSDI helper: already validated."""

    email: str
    given_name: str
    family_name: str = ""
    wants_updates: bool = False
    language: str = ""
    referral_token: str = ""
    referrer_data: dict[str, str] = field(default_factory=dict)
    source_url: str = ""
    external_id: str = ""


@dataclass(frozen=True)
class Taken:
    token: str
    share_token: str
    created: bool


def take(event: Event | EventForRsvp, wanted: RsvpRequest) -> Taken:
    """Store the RSVP durably (INSERT … ON CONFLICT DO NOTHING); return its tokens.

    The statement is built by lib/bulk.py (the fields' own defaults and conversions) and
    run in autocommit: its own transaction, durable when it returns. A repeat reads the
    first row's tokens back with a second, plain SELECT.
    """
    email_key = normalise_email(wanted.email)
    row = Attendance(
        organisation_id=event.organisation_id,
        event_id=event.pk,
        email=wanted.email,
        email_key=email_key,
        given_name=wanted.given_name[:100],
        family_name=wanted.family_name[:100],
        language=wanted.language[:12],
        wants_updates=wanted.wants_updates,
        source_url=wanted.source_url[:2000],
        external_id=wanted.external_id[:255],
        referral_token=wanted.referral_token[:64],
        referrer_data={k: str(v)[:2000] for k, v in wanted.referrer_data.items() if v},
    )
    insert = prepare_insert(Attendance, [row], returning=["token"], conflict=["event", "email_key"])
    if insert.execute():
        return Taken(token=row.token, share_token=row.share_token, created=True)
    table = Attendance._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT token, share_token, state FROM {table} "  # noqa: S608
            "WHERE event_id = %s AND email_key = %s",
            [event.pk, email_key],
        )
        stored = cursor.fetchone()
    if stored is None:  # erased between our two statements: store it again
        return take(event, wanted)
    if stored[2] == AttendanceState.CANCELLED:
        # They cancelled and changed their mind: the same answer again, decided afresh.
        Attendance.objects.filter(
            event_id=event.pk, email_key=email_key, state=AttendanceState.CANCELLED
        ).update(state=AttendanceState.NEW, cancelled_at=None, created_at=timezone.now())
    return Taken(token=stored[0], share_token=stored[1], created=False)
