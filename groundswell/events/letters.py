"""The email each decided RSVP owes (a place, the waiting list, or the event called off),
sent in batches: the row is the queue, as a signature's confirmation is (actions/emails.py).

A row owes its email while `decided_at` is set and `told_at` is not (decisions.py clears it
at every decision). Each kind of email is composed once per event, language and variant by
`emails.decision`, with slots where a person's own values go (notifications/bulk.py: their
name, their page's token, their supporter page), and sent over a few SMTP connections;
each row is marked told after the mail server's 250, and only if it still holds the
decision the email was about (someone who cancelled and answered again meanwhile is owed
the next one). A worker killed in between sends that message again, with the same
Message-ID.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext

from groundswell.lib import leases
from groundswell.notifications.bulk import Letter, Outgoing, slot
from groundswell.notifications.owed import send_owed
from groundswell.supporters.links import supporter_page_url

from . import emails
from .models import Attendance, AttendanceState, Event, EventState

TELL_BATCH = 400

_COLUMNS = (
    "pk", "event_id", "token", "email", "given_name", "language", "supporter_id",
    "updates_consent_id", "decided_as", "decided_at", "email_attempts", "state",
)  # fmt: skip


@dataclass(frozen=True, slots=True, repr=False)
class _Owed:
    pk: int
    event_id: int
    token: str
    email: str
    given_name: str
    language: str
    supporter_id: int | None
    updates_consent_id: int | None
    decided_as: str
    decided_at: datetime
    attempts: int
    state: str  # the row's state now, which may have moved on since the decision

    def __repr__(self) -> str:  # what a log line may name: never the address or the name
        return f"attendance {self.pk}"


def owed() -> Q:
    return Q(decided_at__isnull=False, told_at__isnull=True) & ~Q(state=AttendanceState.NEW)


def tell_decided(limit: int = TELL_BATCH) -> int:
    """Send up to `limit` of the decision emails owed; how many rows were handled."""
    due = Q(email_retry_at__isnull=True) | Q(email_retry_at__lte=leases.now())
    found = [
        _Owed(*values)
        for values in Attendance.objects.filter(owed(), due)
        .order_by("decided_at", "pk")
        .values_list(*_COLUMNS)[:limit]
    ]
    if not found:
        return 0
    events = Event.objects.select_related("organisation").in_bulk({row.event_id for row in found})
    letters: dict[tuple[int, str, str, bool, bool], Letter] = {}
    outgoing: list[Outgoing] = []
    unreachable: list[_Owed] = []
    by_language: dict[str, list[_Owed]] = {}
    for row in found:
        by_language.setdefault(row.language or settings.LANGUAGE_CODE, []).append(row)
    for language, rows in by_language.items():
        with translation.override(language):
            friend = gettext("friend")
            for row in rows:
                event = events.get(row.event_id)
                if event is None or not row.email:  # nobody to write to
                    unreachable.append(row)
                    continue
                if row.state != row.decided_as or (
                    event.state == EventState.CANCELLED
                    and row.decided_as != AttendanceState.CANCELLED
                ):
                    # No longer true: they cancelled, or were moved up from the waiting list
                    # (that sent "a place is now yours"), or the event was called off since
                    # (its notice told them). Done, without a word that would contradict.
                    unreachable.append(row)
                    continue
                key = (
                    row.event_id,
                    language,
                    row.decided_as,
                    bool(row.updates_consent_id),
                    bool(row.supporter_id),
                )
                letter = letters.get(key)
                if letter is None:
                    letter = letters[key] = _letter(event, *key[2:])
                values = {
                    "name": row.given_name or friend,
                    "token": row.token,
                    "id": f"{row.pk}.{int(row.decided_at.timestamp() * 1000)}",
                }
                if row.supporter_id:
                    values["impact"] = supporter_page_url(row.supporter_id)
                outgoing.append(letter.to(row.email, row, values))

    def try_again(row: _Owed, attempts: int, when: datetime) -> None:
        Attendance.objects.filter(pk=row.pk, decided_at=row.decided_at).update(
            email_attempts=attempts, email_retry_at=when
        )

    send_owed(outgoing, unreachable, done=_told, try_again=try_again, what="RSVP decision emails")
    return len(found)


def _told(rows: Sequence[_Owed]) -> None:
    """Mark the rows told, each only if it still holds the decision its email was about:
    one UPDATE per decision time (a chunk's rows share theirs)."""
    moment = leases.now()
    groups: dict[datetime, list[int]] = {}
    for row in rows:
        groups.setdefault(row.decided_at, []).append(row.pk)
    for decided_at, ids in groups.items():
        Attendance.objects.filter(pk__in=ids, decided_at=decided_at).update(
            told_at=moment, email_attempts=0, email_retry_at=None
        )


def _letter(event: Event, kind: str, updates: bool, supporter: bool) -> Letter:
    """The email about `kind` for everyone at `event` in the active language: composed by
    the same `emails.decision` as one person's, with slots for their own values."""
    stand_in = Attendance(
        event=event,
        token=slot("token"),
        given_name=slot("name"),
        supporter_id=1 if supporter else None,
        updates_consent_id=1 if updates else None,
    )
    subject, body = emails.decision(stand_in, kind, supporter_page=slot("impact"))
    return Letter(
        subject=subject,
        body=body,
        headers={"Message-ID": f"<rsvp-{kind}.{slot('id')}@{_host()}>"},
        organisation_id=event.organisation_id,
    )


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"
