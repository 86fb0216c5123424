"""The one way to a need, a shift or a sign-up, for the public, the volunteer and staff."""

from __future__ import annotations

import functools
import json

from django.db import connection
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from groundswell.accounts.models import Membership, Organisation, OrganisationState

from .models import Need, NeedStatus, Shift, Signup


def public_need(org_slug: str, need_id: int) -> Need:
    """An open or closed need of an approved organisation; 404 otherwise (drafts too)."""
    return get_object_or_404(Need.objects.public(), organisation__slug=org_slug, pk=need_id)


# An id past a 64-bit integer: the database would refuse to compare it.
BIGGEST_ID = 2**63 - 1

# The fields a sign-up's POST reads of its need, in the model's order (Model.from_db).
SIGNUP_FIELDS = ("id", "organisation_id", "skills", "status", "wording_id")


@functools.cache
def _signup_sql() -> str:
    need, shift, org = (m._meta.db_table for m in (Need, Shift, Organisation))
    # `public_need` and the form's `upcoming` shifts, written out for the one shift chosen:
    # the ORM took longer to build these two queries on every POST than SQLite to answer.
    return (
        "SELECT n.id, n.organisation_id, n.skills, n.status, n.wording_id, s.id "  # noqa: S608
        f"FROM {need} n JOIN {org} o ON o.id = n.organisation_id "
        f"LEFT JOIN {shift} s ON s.need_id = n.id AND s.id = %s AND s.ends_at > %s "
        "WHERE n.id = %s AND o.slug = %s AND o.state = %s AND n.status IN (%s, %s)"
    )


def need_for_signup(org_slug: str, need_id: int, chosen: str) -> tuple[Need, list[Shift]] | None:
    """The need `public_need` would find (None where it answers 404), with only the fields
    a sign-up's POST reads (the rest load if asked for), and the shift `chosen` (the form's
    raw value) in a list if it is one of the need's shifts not yet over: one lean query."""
    if not 0 < need_id <= BIGGEST_ID:  # the ORM finds nothing for an id no column can hold
        return None
    shift_id = int(chosen) if chosen.isascii() and chosen.isdigit() and len(chosen) < 19 else 0
    if str(shift_id) != chosen:
        shift_id = 0  # "07" or " 7" is no shift the form offers
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    statuses = (NeedStatus.OPEN.value, NeedStatus.CLOSED.value)
    params = [shift_id, now, need_id, org_slug, OrganisationState.APPROVED.value, *statuses]
    with connection.cursor() as cursor:
        cursor.execute(_signup_sql(), params)
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row[:5])
    if isinstance(values[2], str):  # JSON comes back as text (the ORM would parse it)
        values[2] = json.loads(values[2])
    need = Need.from_db(connection.alias, SIGNUP_FIELDS, values)
    if row[5] is None:
        return need, []
    shift = Shift.from_db(connection.alias, ("id", "need_id"), (row[5], need.pk))
    shift.need = need
    return need, [shift]


def _token(token: str) -> None:
    if not token.isascii() or len(token) > 32:
        raise Http404


def volunteer_signup(org_slug: str, token: str) -> Signup:
    """The sign-up whose page token this is (from the volunteer's emails): the proof."""
    _token(token)
    return get_object_or_404(
        Signup.objects.select_related("shift__need__organisation"),
        organisation__slug=org_slug,
        token=token,
    )


def shared_signup(need: Need, share_token: str) -> Signup:
    """The sign-up behind a thank-you page: its share token, for this need."""
    _token(share_token)
    return get_object_or_404(Signup, need=need, share_token=share_token)


def staff_need(membership: Membership, need_id: int) -> Need:
    return get_object_or_404(
        Need.objects.select_related("organisation", "campaign", "wording"),
        organisation=membership.organisation,
        pk=need_id,
    )


def staff_signup(membership: Membership, signup_id: int) -> Signup:
    return get_object_or_404(
        Signup.objects.select_related("shift__need"),
        organisation=membership.organisation,
        pk=signup_id,
    )
