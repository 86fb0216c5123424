"""The verbs of volunteering: the public form's one INSERT, the person's cancel, and the
staff's needs, shifts and check-in.

The worker's half (deciding a place or the waitlist, reminders) is in `decide.py`; both
halves move a sign-up through `places.py`, which holds the shift's lock while it counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from groundswell.accounts.access import require
from groundswell.accounts.models import Membership
from groundswell.audit.services import record
from groundswell.lib.bulk import prepare_insert
from groundswell.safety import services as safety

from . import places
from .models import Need, NeedStatus, Shift, Signup, SignupState
from .wording import wording_for
from .workflow import CANCELLABLE, NEED_MOVES


@dataclass
class SignupRequest:
    email: str
    email_key: str
    given_name: str
    family_name: str = ""
    phone: str = ""
    skills: list[str] = field(default_factory=list)
    language: str = ""
    referral_token: str = ""
    referrer_data: dict[str, str] = field(default_factory=dict)


def take_signup(need: Need, shift: Shift, wanted: SignupRequest) -> str:
    """Store the sign-up as the form sent it; return its share token for the thank-you page.

    One INSERT, guarded by the (shift, address) unique constraint: a repeat stores nothing
    and gets the same share token back (that page shows nothing personal), and nothing is
    decided here: the worker gives the place or the waitlist and emails which. A sign-up
    the person had cancelled starts afresh.
    """
    row = Signup(
        organisation_id=need.organisation_id,
        need=need,
        shift=shift,
        email=wanted.email,
        email_key=wanted.email_key,
        given_name=wanted.given_name,
        family_name=wanted.family_name,
        phone=wanted.phone,
        skills=wanted.skills,
        language=wanted.language[:12],
        wording_id=need.wording_id,
        referral_token=wanted.referral_token[:64],
        referrer_data=wanted.referrer_data,
        created_at=timezone.now(),
    )
    insert = prepare_insert(
        Signup, [row], returning=["share_token"], conflict=["shift", "email_key"]
    )
    if insert.execute():  # one statement in autocommit: durable when it returns
        return row.share_token
    table = Signup._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, share_token, state FROM {table} "  # noqa: S608
            "WHERE shift_id = %s AND email_key = %s",
            [shift.pk, wanted.email_key],
        )
        found = cursor.fetchone()
    if found is None:  # erased between the two statements: store it again
        return take_signup(need, shift, wanted)
    pk, share_token, state = found
    if state == SignupState.CANCELLED:
        Signup.objects.filter(pk=pk, state=SignupState.CANCELLED).update(
            state=SignupState.NEW,
            created_at=row.created_at,
            decided_at=None,
            confirmed_at=None,
            cancelled_at=None,
            reminded_at=None,
            skills=wanted.skills,
            email_owed="",  # an email its cancelled decision still owed is not true now
            email_attempts=0,
            email_retry_at=None,
        )
    return str(share_token)


def cancel_signup(signup: Signup) -> bool:
    """The person cancels from their page; a place they held goes to the waitlist's first."""
    with transaction.atomic():
        shift = places.lock_shift(signup.shift_id)
        was = Signup.objects.filter(pk=signup.pk).values_list("state", flat=True).first()
        done = Signup.objects.filter(pk=signup.pk, state__in=CANCELLABLE).update(
            state=SignupState.CANCELLED, cancelled_at=timezone.now()
        )
        if done and was == SignupState.CONFIRMED:
            places.move_up(shift)
    return bool(done)


# --- Staff ----------------------------------------------------------------------------


def need_text(need: Need) -> str:
    """The words of a need the public reads: its title, what volunteers do, the skills."""
    return "\n\n".join(part for part in (need.title, need.description, *need.skill_names) if part)


def create_need(membership: Membership, values: dict[str, Any], *, safety_reason: str = "") -> Need:
    """A draft need; its words pass the safety gate now (a flagged need is never stored),
    as every text a staff member writes for the public does (docs/safety.md)."""
    require(membership, "content.write")
    organisation = membership.organisation
    with transaction.atomic():
        need = Need.objects.create(
            organisation=organisation, wording=wording_for(organisation), **values
        )
        safety.gate(membership, "need", need, need_text(need), reason=safety_reason)
        record(
            organisation=organisation,
            actor=membership.user,
            action="volunteers.need_create",
            target=need,
            summary=f"Created volunteer need #{need.pk}",
        )
    return need


def set_need_status(membership: Membership, need: Need, status: str) -> bool:
    require(membership, "content.write")
    if status not in NEED_MOVES.get(need.status, frozenset()):
        return False
    with transaction.atomic():
        if not Need.objects.filter(pk=need.pk, status=need.status).update(status=status):
            return False
        record(
            organisation=membership.organisation,
            actor=membership.user,
            action="volunteers.need_status",
            target=need,
            summary=f"Volunteer need #{need.pk} is now {status}",
            changes={"status": [need.status, status]},
        )
        need.status = status
    return True


def add_shift(
    membership: Membership, need: Need, *, starts_at: datetime, ends_at: datetime, place: str,
    slots: int, safety_reason: str = "",
) -> Shift:  # fmt: skip
    require(membership, "content.write")
    with transaction.atomic():
        shift = Shift.objects.create(
            need=need, starts_at=starts_at, ends_at=ends_at, place=place, slots=slots
        )
        safety.gate(membership, "shift", shift, place, reason=safety_reason)
        record(
            organisation=membership.organisation,
            actor=membership.user,
            action="volunteers.shift_add",
            target=shift,
            summary=f"Added shift #{shift.pk} to volunteer need #{need.pk}",
        )
    return shift


def check_in(membership: Membership, signup: Signup) -> bool:
    """The coordinator marks a volunteer as here on the day; True if this call did."""
    require(membership, "supporters.read")
    with transaction.atomic():
        done = Signup.objects.filter(
            pk=signup.pk, state=SignupState.CONFIRMED, checked_in_at__isnull=True
        ).update(checked_in_at=timezone.now())
        if done:
            record(
                organisation=membership.organisation,
                actor=membership.user,
                action="volunteers.check_in",
                target=signup,
                summary=f"Checked in volunteer sign-up #{signup.pk}",
            )
    return bool(done)


def still_open(need: Need) -> bool:
    return need.status == NeedStatus.OPEN
