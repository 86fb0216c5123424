"""The worker's half of an RSVP: a place or the waiting list, and everything after.

    new ─▶ going ─────────────▶ cancelled (by the person, from their email)
     │       ▲                      ▲
     └─▶ waitlisted ─(a place frees)┘
               └──────────────────────┘

`decide_waiting` takes RSVPs in the order they arrived, per event, in chunks: the people
the organisation knows already and the share links' holders are looked up first; then, in
one short transaction per chunk, the new supporters are created with one INSERT, the places
counted once and given in arrival order (a place if one is free and nobody waits before
them, else the waiting list), both consents written with one INSERT and the rows updated.
Anything unexpected (someone created meanwhile by a signature, a row erased or taken by a
second worker) sends the chunk through `decide_one`, one RSVP per transaction, which copes.
No email is composed here: a decided row owes the email that says which (`decided_as`,
`told_at`), and letters.py sends those in batches after each turn.
After the decision: waitlist.py moves people up as places free, and reminds those coming.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from groundswell.lib import worklog
from groundswell.lib.bulk import prepare_insert
from groundswell.referrals.models import ShareToken
from groundswell.supporters.models import Consent, Purpose, Supporter
from groundswell.supporters.services import find_or_create_supporter, new_consent

from .models import Attendance, AttendanceState, Event, EventState

logger = logging.getLogger(__name__)

BATCH = 200
CHUNK = 100

# What a chunk needs of each row: read once, no model instances.
_COLUMNS = (
    "pk", "event_id", "organisation_id", "email", "email_key", "given_name", "family_name",
    "wants_updates", "source_url", "referral_token", "referrer_data", "created_at",
    "share_token",
)  # fmt: skip


@dataclass(slots=True)
class _New:
    pk: int
    event_id: int
    organisation_id: int
    email: str
    email_key: str
    given_name: str
    family_name: str
    wants_updates: bool
    source_url: str
    referral_token: str
    referrer_data: dict[str, Any]
    created_at: datetime
    share_token: str
    supporter_id: int | None = None
    referred_by_id: int | None = None

    def __repr__(self) -> str:  # what a log line may name: never the address or the name
        return f"attendance {self.pk}"


class _Changed(Exception):
    """A row of the chunk was decided, erased or taken since it was read."""


def decide_waiting(limit: int = BATCH) -> int:
    """Decide up to `limit` new RSVPs, oldest first, in chunks per event; how many were
    taken up (decided, or left for the next run by a chunk that failed)."""
    found = [
        _New(*values)
        for values in Attendance.objects.filter(state=AttendanceState.NEW)
        .order_by("created_at", "pk")
        .values_list(*_COLUMNS)[:limit]
    ]
    by_event: dict[int, list[_New]] = {}
    for row in found:
        by_event.setdefault(row.event_id, []).append(row)
    done = 0
    for event_id, rows in by_event.items():
        event = (
            Event.objects.select_related("organisation", "consent_wording", "updates_wording")
            .filter(pk=event_id)
            .first()
        )
        if event is None:  # deleted meanwhile, with its RSVPs
            continue
        for start in range(0, len(rows), CHUNK):
            done += _decide_chunk(event, rows[start : start + CHUNK])
    worklog.did("decided", done, "RSVPs")
    return len(found)


def _decide_chunk(event: Event, rows: list[_New]) -> int:
    try:
        if connection.vendor == "sqlite":
            return _decide_sqlite(event, rows)
        return _decide_locked(event, rows)
    except Exception:
        # Typically a signature created one of these people first; the single path copes.
        logger.info("deciding %s RSVPs one by one", len(rows), exc_info=True)
        return sum(decide_one(row.pk) for row in rows)


def _decide_locked(event: Event, rows: list[_New]) -> int:
    """PostgreSQL: one transaction holding the event and the chunk's rows FOR UPDATE; rows
    another worker holds are skipped (it decides them)."""
    known, referrers = _look_up(event, rows)
    with transaction.atomic():
        event = (
            Event.objects.select_for_update()
            .select_related("organisation", "consent_wording", "updates_wording")
            .get(pk=event.pk)
        )
        held = set(
            Attendance.objects.select_for_update(skip_locked=True)
            .filter(pk__in=[row.pk for row in rows], state=AttendanceState.NEW)
            .values_list("pk", flat=True)
        )
        rows = [row for row in rows if row.pk in held]
        if not rows:
            return 0
        people = _new_people(event, rows, known)
        if people:
            _created(people.execute(), rows, known)
        consents = prepare_insert(Consent, _consents(event, rows, known), returning=_RETURNED)
        _decide(event, rows, known, referrers, consents)
    return len(rows)


def _decide_sqlite(event: Event, rows: list[_New]) -> int:
    """SQLite: one write lock for the whole file, which the RSVP form's INSERTs need too.
    Everything is prepared before the lock is taken; under it, the rows are looked at
    again (no row locks here: a second worker or an erasure may have been first)."""
    known, referrers = _look_up(event, rows)
    people = _new_people(event, rows, known)
    ids = [row.pk for row in rows]
    if people:
        # The people first, as signatures do: if what follows fails they stay, and
        # decide_one finds them again by address.
        with transaction.atomic():
            _still_new(ids)
            _created(people.execute(), rows, known)
    consents = prepare_insert(Consent, _consents(event, rows, known), returning=_RETURNED)
    with transaction.atomic():
        _still_new(ids)
        fresh = Event.objects.filter(pk=event.pk).values_list("state", "capacity", "ends_at")
        event.state, event.capacity, event.ends_at = fresh.get()
        _decide(event, rows, known, referrers, consents)
    return len(rows)


def _still_new(ids: list[int]) -> None:
    if Attendance.objects.filter(pk__in=ids, state=AttendanceState.NEW).count() != len(ids):
        raise _Changed


def _look_up(event: Event, rows: list[_New]) -> tuple[dict[str, int], dict[str, int]]:
    """The organisation's supporters among the chunk's people (email_key → id), and the
    holders of the share links they came by (token → supporter id), before any lock."""
    organisation_id = event.organisation_id
    known = dict(
        Supporter.objects.filter(
            organisation_id=organisation_id, email_key__in=[row.email_key for row in rows]
        ).values_list("email_key", "pk")
    )
    tokens = {row.referral_token[:32] for row in rows if row.referral_token}
    holders: dict[str, int] = {}
    if tokens:
        # An attendee's link for an event of the same organisation, or else a signer's.
        holders.update(
            ShareToken.objects.filter(
                petition__organisation_id=organisation_id, token__in=tokens
            ).values_list("token", "supporter_id")
        )
        holders.update(
            (token, supporter)
            for token, supporter in Attendance.objects.filter(
                organisation_id=organisation_id, share_token__in=tokens, supporter__isnull=False
            ).values_list("share_token", "supporter_id")
        )
        standing = set(
            Supporter.objects.filter(
                pk__in=set(holders.values()), erased_at__isnull=True
            ).values_list("pk", flat=True)
        )
        holders = {token: pk for token, pk in holders.items() if pk in standing}
    return known, holders


def _new_people(event: Event, rows: list[_New], known: dict[str, int]) -> Any:
    people = [
        Supporter(
            organisation_id=event.organisation_id,
            email=row.email,
            email_key=row.email_key,
            given_name=row.given_name,
            family_name=row.family_name,
        )
        for row in rows
        if row.email_key not in known
    ]
    return prepare_insert(Supporter, people, returning=["id", "email_key"]) if people else None


def _created(returned: list[tuple[Any, ...]], rows: list[_New], known: dict[str, int]) -> None:
    known.update((key, pk) for pk, key in returned)
    for row in rows:
        row.supporter_id = known[row.email_key]


_RETURNED = ["id", "supporter", "purpose"]


def _consents(event: Event, rows: list[_New], known: dict[str, int]) -> list[Consent]:
    """Each row's two consents (`_consent_pair`), for one INSERT; one person per row: an
    event has one RSVP per address."""
    made: list[Consent] = []
    for row in rows:
        row.supporter_id = known[row.email_key]
        made += _consent_pair(row, event, row.supporter_id)
    return made


def _consent_pair(row: _New | Attendance, event: Event, supporter_id: int) -> list[Consent]:
    """As a signature does: the event's own consent (given with the RSVP, so it holds at
    once) and the answer about updates, whose id the row keeps: a "yes" holds only once
    the person confirms it from the place or waiting-list email (services.confirm_updates)."""
    source = row.source_url or event.get_absolute_url()
    channel = str(row.referrer_data.get("source", ""))
    attend = new_consent(
        supporter_id,
        purpose=Purpose.EVENT,
        wording=event.consent_wording,
        granted=True,
        source_url=source,
        channel=channel,
    )
    attend.confirmed_at = row.created_at
    updates = new_consent(
        supporter_id,
        purpose=Purpose.UPDATES,
        wording=event.updates_wording,
        granted=row.wants_updates,
        source_url=source,
        channel=channel,
    )
    return [attend, updates]


def _decide(
    event: Event, rows: list[_New], known: dict[str, int], referrers: dict[str, int], consents: Any
) -> None:
    """Under the lock: count the places once, give them in arrival order, then the waiting
    list (the rule of `_has_room` and `_queue`), write the consents and update the rows."""
    now = timezone.now()
    over = event.state == EventState.CANCELLED or event.ends_at <= now
    going = 0 if over or not event.capacity else _going(event).count()
    waiting = not over and _queue(event).exists()
    updates = {
        supporter_id: pk
        for pk, supporter_id, purpose in consents.execute()
        if purpose == Purpose.UPDATES
    }
    stamp = connection.ops.adapt_datetimefield_value(now)
    params = []
    for row in rows:
        if over:
            state = AttendanceState.CANCELLED
        elif (not event.capacity or going < event.capacity) and not waiting:
            state, going = AttendanceState.GOING, going + 1
        else:
            state, waiting = AttendanceState.WAITLISTED, True
        found = referrers.get(row.referral_token[:32]) if row.referral_token else None
        referrer = found if found != row.supporter_id else None
        # The people this one brings, later in the chunk, credit them.
        referrers[row.share_token] = row.supporter_id or 0
        params.append(
            (
                row.supporter_id,
                referrer,
                state.value,
                stamp,
                stamp if state == AttendanceState.GOING else None,
                stamp if state == AttendanceState.CANCELLED else None,
                updates.get(row.supporter_id or 0) if row.wants_updates else None,
                state.value,
                row.pk,
            )
        )
    table = Attendance._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET supporter_id = %s, referred_by_id = %s, state = %s, "  # noqa: S608
            "decided_at = %s, placed_at = %s, cancelled_at = %s, updates_consent_id = %s, "
            "decided_as = %s, told_at = NULL, email_attempts = 0, email_retry_at = NULL "
            "WHERE id = %s AND state = 'new'",
            params,
        )


def decide_one(pk: int) -> int:
    """One RSVP in its own transaction: the way for anything a chunk did not expect."""
    with transaction.atomic():
        row = (
            Attendance.objects.select_for_update().filter(pk=pk, state=AttendanceState.NEW).first()
        )
        if row is None:  # decided by another run, or erased
            return 0
        event = (
            Event.objects.select_for_update().select_related("organisation").get(pk=row.event_id)
        )
        row.event = event
        supporter = find_or_create_supporter(
            event.organisation,
            email=row.email,
            email_key=row.email_key,
            given_name=row.given_name,
            family_name=row.family_name,
        )
        referrer = _referrer(row, supporter)
        now = timezone.now()
        if event.state == EventState.CANCELLED or event.ends_at <= now:
            state = AttendanceState.CANCELLED
        elif _has_room(event) and not _queue(event).exists():
            state = AttendanceState.GOING
        else:
            state = AttendanceState.WAITLISTED
        updates = _record_consents(row, event, supporter)
        Attendance.objects.filter(pk=row.pk).update(
            supporter=supporter,
            referred_by=referrer,
            state=state,
            decided_at=now,
            placed_at=now if state == AttendanceState.GOING else None,
            cancelled_at=now if state == AttendanceState.CANCELLED else None,
            updates_consent=updates if updates.granted else None,
            # The email that says which is owed (letters.py sends it).
            decided_as=state,
            told_at=None,
            email_attempts=0,
            email_retry_at=None,
        )
    return 1


def _queue(event: Event) -> QuerySet[Attendance]:
    return Attendance.objects.filter(event=event, state=AttendanceState.WAITLISTED)


def _going(event: Event) -> QuerySet[Attendance]:
    return Attendance.objects.filter(event=event, state=AttendanceState.GOING)


def _has_room(event: Event) -> bool:
    if not event.capacity:
        return True
    return _going(event).count() < event.capacity


def _record_consents(row: Attendance, event: Event, supporter: Supporter) -> Consent:
    """The row's two consents stored (`_consent_pair`); the updates answer returned."""
    attend, updates = _consent_pair(row, event, supporter.pk)
    # Both backends hand back the new ids, so the RSVP can name its "yes" to confirm.
    Consent.objects.bulk_create([attend, updates])
    return updates


def _referrer(row: Attendance, supporter: Supporter) -> Supporter | None:
    """The holder of the share link the person came by: an attendee's link for an event of
    the same organisation, or a signer's. Nobody is credited for their own RSVP."""
    token = row.referral_token[:32]
    if not token:
        return None
    found = (
        Attendance.objects.filter(organisation_id=row.organisation_id, share_token=token)
        .values_list("supporter_id", flat=True)
        .first()
    ) or (
        ShareToken.objects.filter(petition__organisation_id=row.organisation_id, token=token)
        .values_list("supporter_id", flat=True)
        .first()
    )
    if not found or found == supporter.pk:
        return None
    return Supporter.objects.filter(pk=found, erased_at__isnull=True).first()
