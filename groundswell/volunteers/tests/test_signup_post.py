"""The sign-up's POST takes the sign form's shape (target P8): one lean look-up that finds
exactly the need `public_need` finds and the shifts its form offers, the rate count, and
one INSERT."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation
from groundswell.volunteers.access import need_for_signup, public_need
from groundswell.volunteers.forms import upcoming
from groundswell.volunteers.models import Need, Shift, Signup

from .conftest import make_need, make_shift, sign_up

pytestmark = pytest.mark.django_db


def test_a_sign_up_is_one_look_up_one_count_and_one_insert(
    client: Client, need: Need, shift: Shift
) -> None:
    with CaptureQueriesContext(connection) as queries:
        response = sign_up(client, need, shift, skills="Van", phone="+44 7700 900123")
    assert response.status_code == 302
    words = [" ".join(q["sql"].replace('"', "").split()[:3]) for q in queries.captured_queries]
    assert words == [
        "SELECT n.id, n.organisation_id,",
        "INSERT INTO ratelimit_count",
        "INSERT INTO volunteers_signup",
    ]
    row = Signup.objects.get()
    assert response["Location"].endswith(f"/thanks/{row.share_token}/")
    assert (row.shift_id, row.skills, row.phone) == (shift.pk, ["Van"], "+44 7700 900123")


def _closed(need: Need, shift: Shift) -> None:
    Need.objects.filter(pk=need.pk).update(status="closed")


def _draft(need: Need, shift: Shift) -> None:
    Need.objects.filter(pk=need.pk).update(status="draft")


def _waiting_organisation(need: Need, shift: Shift) -> None:
    Organisation.objects.filter(pk=need.organisation_id).update(state="waiting")


def _over(need: Need, shift: Shift) -> None:
    Shift.objects.filter(pk=shift.pk).update(ends_at=timezone.now() - timedelta(minutes=1))


def _another_organisation(_found: Any, *_rest: Any) -> None:
    # An approved organisation at the address asked for, which the id is not one of.
    owner = testing.make_user("olu@example.org", "Olu Owner")
    testing.make_organisation(owner, name="Someone Else", slug="someone-else")


@pytest.mark.parametrize(
    ("change", "slug", "chosen"),
    [
        (None, "alices", "{shift}"),
        (None, "someone-else", "{shift}"),
        (_another_organisation, "someone-else", "{shift}"),
        (None, "alices", "{other}"),  # another need's shift
        (None, "alices", "0{shift}"),
        (None, "alices", " {shift}"),
        (None, "alices", "ninety"),
        (None, "alices", ""),
        (None, "alices", "9" * 25),
        (_closed, "alices", "{shift}"),
        (_draft, "alices", "{shift}"),
        (_waiting_organisation, "alices", "{shift}"),
        (_over, "alices", "{shift}"),
    ],
)
def test_the_look_up_finds_what_the_full_form_offers(
    owner: Membership, need: Need, shift: Shift,
    change: Callable[[Need, Shift], Any] | None, slug: str, chosen: str,
) -> None:  # fmt: skip
    other = make_shift(owner, make_need(owner, title="Another need"))
    if change:
        change(need, shift)
    typed = chosen.format(shift=shift.pk, other=other.pk)
    found = need_for_signup(slug, need.pk, typed)
    try:
        full = public_need(slug, need.pk)
    except Http404:
        assert found is None
        return
    assert found is not None
    lean, shifts = found
    assert (lean.pk, lean.organisation_id, lean.status) == (
        full.pk, full.organisation_id, full.status
    )  # fmt: skip
    assert (lean.wording_id, lean.skills) == (full.wording_id, full.skills)
    offered = [s.pk for s in upcoming(full) if str(s.pk) == typed]
    assert [s.pk for s in shifts] == offered
    assert need_for_signup(slug, 10**20, typed) is None  # past any id: no query, no error
