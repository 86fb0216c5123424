"""The worker's half: a place or the waitlist for each new sign-up, and the reminders.

`decide_waiting` (periodic, every half second) takes new sign-ups oldest first, in batches,
as the sign path records signatures (actions/intake.py). Before any write: the people the
organisation knows already are looked up, and who brought each sign-up (a volunteer's or a
signer's share link of the same organisation; nobody is credited for themselves, nor by
an erased supporter). Then one short transaction creates the new people with one INSERT,
and one short transaction per shift (CHUNK sign-ups at most) holds the shift's lock,
counts its confirmed places once and moves the sign-ups still `new`, in the order they
arrived, `new → confirmed` while the shift has a slot, else `new → waitlisted`, each
marked as owed the email that says which (`email_owed`; telling.py sends it after the
transaction, in batches). Anything unexpected sends the sign-ups concerned through
`decide_one`, the same decision one at a time.
`remind_due` (every five minutes) emails each confirmed volunteer once, in the day before
their shift starts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction

from groundswell.lib import leases, worklog
from groundswell.lib.bulk import prepare_insert
from groundswell.referrals.models import ShareToken
from groundswell.supporters.models import Supporter
from groundswell.supporters.services import find_or_create_supporter

from . import emails, places
from .models import DecisionEmail, Shift, Signup, SignupState

logger = logging.getLogger(__name__)
BATCH = 200
CHUNK = 100
REMIND_BEFORE = timedelta(days=1)


class SignupsChanged(Exception):
    pass


@dataclass(slots=True)
class _Waiting:
    """What deciding a sign-up needs of its row, read before any write."""

    pk: int
    organisation_id: int
    shift_id: int
    email: str
    email_key: str
    given_name: str
    family_name: str
    referral_token: str
    share_token: str
    supporter_id: int | None = None
    referrer_id: int | None = None


def decide_waiting(limit: int = BATCH) -> int:
    """Decide up to `limit` new sign-ups, oldest first; how many were decided."""
    waiting = [
        _Waiting(*row)
        for row in Signup.objects.filter(state=SignupState.NEW)
        .order_by("pk")
        .values_list(
            "pk", "organisation_id", "shift_id", "email", "email_key", "given_name",
            "family_name", "referral_token", "share_token",
        )[:limit]
    ]  # fmt: skip
    if not waiting:
        return 0
    try:
        _find_people(waiting)
        _find_referrers(waiting)
    except Exception:
        # Typically the sign path created one of these people at the same moment, or a
        # sign-up was erased meanwhile; the single path copes with either.
        logger.info("deciding %s volunteer sign-ups one by one", len(waiting), exc_info=True)
        done = _one_by_one(waiting)
    else:
        per_shift: dict[int, list[_Waiting]] = {}
        for row in waiting:
            per_shift.setdefault(row.shift_id, []).append(row)
        done = sum(
            _decide_chunk(shift_id, rows[start : start + CHUNK])
            for shift_id, rows in per_shift.items()
            for start in range(0, len(rows), CHUNK)
        )
    worklog.did("decided", done, "volunteer sign-ups")
    return done


def _find_people(waiting: list[_Waiting]) -> None:
    """Each sign-up's supporter: the organisation's record of the address, or a new one
    (all new ones in one INSERT, with the details of the person's first sign-up)."""
    organisations = {row.organisation_id for row in waiting}
    keys = {row.email_key for row in waiting}
    known = {
        (organisation, key): pk
        for pk, organisation, key in Supporter.objects.filter(
            organisation_id__in=organisations, email_key__in=keys
        ).values_list("pk", "organisation_id", "email_key")
    }
    fresh: dict[tuple[int, str], Supporter] = {}
    asking: list[int] = []
    for row in waiting:
        key = (row.organisation_id, row.email_key)
        if key not in known and key not in fresh:
            fresh[key] = Supporter(
                organisation_id=row.organisation_id,
                email=row.email,
                email_key=row.email_key,
                given_name=row.given_name,
                family_name=row.family_name,
            )
            asking.append(row.pk)
    if fresh:
        insert = prepare_insert(
            Supporter, list(fresh.values()), returning=["id", "organisation", "email_key"]
        )
        with transaction.atomic():
            # A sign-up erased since we read it must not bring its person back. PostgreSQL
            # holds the rows until this commits, so an erasure waits for us; SQLite has one
            # write lock, held now, so looking again is enough.
            still = Signup.objects.filter(pk__in=asking, state=SignupState.NEW)
            if connection.vendor != "sqlite":
                still = still.select_for_update()
            if len(still.values_list("pk", flat=True)) != len(asking):
                raise SignupsChanged
            for pk, organisation, key in insert.execute():
                known[(organisation, key)] = pk
    for row in waiting:
        row.supporter_id = known[(row.organisation_id, row.email_key)]


def _find_referrers(waiting: list[_Waiting]) -> None:
    """Who brought each sign-up, as `_referrer` finds it, for the whole batch at once: a
    sign-up earlier in the batch counts as decided already, as it would be one by one."""
    tokens = {row.referral_token[:32] for row in waiting if row.referral_token}
    if not tokens:
        return
    organisations = {row.organisation_id for row in waiting}
    volunteers = {
        (organisation, token): supporter
        for organisation, token, supporter in Signup.objects.filter(
            organisation_id__in=organisations, share_token__in=tokens, supporter__isnull=False
        ).values_list("organisation_id", "share_token", "supporter_id")
    }
    signers = {
        (organisation, token): supporter
        for organisation, token, supporter in ShareToken.objects.filter(
            petition__organisation_id__in=organisations, token__in=tokens
        ).values_list("petition__organisation_id", "token", "supporter_id")
    }
    found: dict[int, int] = {}
    for row in waiting:
        token = row.referral_token[:32]
        if token:
            key = (row.organisation_id, token)
            referrer = volunteers.get(key) or signers.get(key)
            if referrer and referrer != row.supporter_id:
                found[row.pk] = referrer
        volunteers.setdefault((row.organisation_id, row.share_token), row.supporter_id or 0)
    live = set(
        Supporter.objects.filter(pk__in=set(found.values()), erased_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    for row in waiting:
        referrer = found.get(row.pk)
        row.referrer_id = referrer if referrer in live else None


_MOVE = (
    f"UPDATE {Signup._meta.db_table} SET state = %s, supporter_id = %s, "  # noqa: S608
    "referred_by_id = %s, decided_at = %s, confirmed_at = %s, email_owed = %s, "
    "email_attempts = 0, email_retry_at = NULL WHERE id = %s AND state = %s"
)


def _decide_chunk(shift_id: int, rows: list[_Waiting]) -> int:
    """Places then the waitlist for `rows` of one shift, in arrival order, in one short
    transaction holding the shift's lock."""
    now = connection.ops.adapt_datetimefield_value(leases.now())
    new = SignupState.NEW.value
    placed, waitlisted = [], []
    for row in rows:
        common = (row.supporter_id, row.referrer_id, now)
        placed.append(
            (SignupState.CONFIRMED.value, *common, now, DecisionEmail.PLACED.value, row.pk, new)
        )
        waitlisted.append(
            (SignupState.WAITLISTED.value, *common, None, DecisionEmail.WAITLISTED.value, row.pk,
             new)
        )  # fmt: skip
    ids = [row.pk for row in rows]
    try:
        with transaction.atomic():
            slots = (
                Shift.objects.select_for_update()
                .filter(pk=shift_id)
                .values_list("slots", flat=True)
                .first()
            )
            if slots is None:  # deleted, and its sign-ups with it
                return 0
            still = Signup.objects.filter(pk__in=ids, state=SignupState.NEW)
            if connection.vendor != "sqlite":  # rows another worker holds are its to decide
                still = still.select_for_update(skip_locked=True)
            moving = set(still.values_list("pk", flat=True))
            free = (
                slots
                - Signup.objects.filter(shift_id=shift_id, state=SignupState.CONFIRMED).count()
            )
            moves = []
            for row, place, wait in zip(rows, placed, waitlisted, strict=True):
                if row.pk in moving:
                    moves.append(place if free > 0 else wait)
                    free -= 1
            if moves:
                with connection.cursor() as cursor:
                    cursor.executemany(_MOVE, moves)
    except Exception:
        logger.info("deciding %s volunteer sign-ups one by one", len(rows), exc_info=True)
        return _one_by_one(rows)
    return len(moves)


def _one_by_one(rows: Iterable[_Waiting]) -> int:
    done = 0
    for row in rows:
        try:
            done += decide_one(row.pk)
        except Exception:
            # Left `new` for the next run; one bad row must not stop the rest.
            logger.exception("could not decide volunteer sign-up %s", row.pk)
    return done


def decide_one(pk: int) -> int:
    """Decide one sign-up in one transaction holding its shift's lock: the fallback."""
    with transaction.atomic():
        signup = Signup.objects.filter(pk=pk, state=SignupState.NEW).first()
        if signup is None:  # cancelled, erased or decided by another worker
            return 0
        shift = places.lock_shift(signup.shift_id)
        supporter = find_or_create_supporter(
            shift.need.organisation,
            email=signup.email,
            email_key=signup.email_key,
            given_name=signup.given_name,
            family_name=signup.family_name,
        )
        referrer = _referrer(signup, supporter)
        now = leases.now()
        placed = places.taken(shift) < shift.slots
        moved = Signup.objects.filter(pk=pk, state=SignupState.NEW).update(
            state=SignupState.CONFIRMED if placed else SignupState.WAITLISTED,
            supporter=supporter,
            referred_by=referrer,
            decided_at=now,
            confirmed_at=now if placed else None,
            email_owed=DecisionEmail.PLACED if placed else DecisionEmail.WAITLISTED,
            email_attempts=0,
            email_retry_at=None,
        )
    return moved


def _referrer(signup: Signup, supporter: Supporter) -> Supporter | None:
    token = signup.referral_token[:32]
    if not token:
        return None
    found = (
        Signup.objects.filter(organisation_id=signup.organisation_id, share_token=token)
        .values_list("supporter_id", flat=True)
        .first()
    ) or (
        ShareToken.objects.filter(petition__organisation_id=signup.organisation_id, token=token)
        .values_list("supporter_id", flat=True)
        .first()
    )
    if not found or found == supporter.pk:
        return None
    return Supporter.objects.filter(pk=found, erased_at__isnull=True).first()


def remind_due(limit: int = BATCH) -> int:
    """Email each confirmed volunteer whose shift starts within a day; claimed, so once."""
    now = leases.now()
    due = (
        Signup.objects.filter(
            state=SignupState.CONFIRMED,
            reminded_at__isnull=True,
            shift__starts_at__gt=now,
            shift__starts_at__lte=now + REMIND_BEFORE,
        )
        .select_related("shift__need__organisation")
        .order_by("shift__starts_at", "pk")[:limit]
    )
    sent = 0
    for signup in due:
        with transaction.atomic():
            if Signup.objects.filter(
                pk=signup.pk, state=SignupState.CONFIRMED, reminded_at__isnull=True
            ).update(reminded_at=now):
                emails.reminder(signup)
                sent += 1
    worklog.did("reminded", sent, "volunteers")
    return sent
