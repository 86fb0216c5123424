"""Export, erasure, retention and the analytics counts of what volunteering keeps."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.retention.services import run_organisation
from groundswell.supporters.erasure import erase_supporter
from groundswell.supporters.models import Supporter
from groundswell.supporters.subject_access import subject_access_data
from groundswell.volunteers import services
from groundswell.volunteers.models import Need, Shift, Signup, SignupState

from .conftest import make_shift, sign_up

pytestmark = pytest.mark.django_db


def test_subject_access_lists_the_sign_ups_with_the_words_agreed(
    client: Client, need: Need, shift: Shift
) -> None:
    sign_up(client, need, shift, email="ana@example.net", phone="+44 7700 900123")
    testing.run_periodic("decide_signups")
    data = subject_access_data(Supporter.objects.get())
    (entry,) = data["volunteering"]
    assert entry["phone"] == "+44 7700 900123" and entry["state"] == "confirmed"
    assert entry["consent_wording"]["text"] == need.wording.text
    assert entry["language"] == "en" and entry["place"] == "Alder Street depot"


def test_erasure_deletes_the_sign_ups_and_moves_the_waitlist_up(
    client: Client, need: Need, owner: Membership, smtp_server: testing.LocalSMTPServer
) -> None:
    shift = make_shift(owner, need, slots=1)
    sign_up(client, need, shift, given_name="Ana", email="ana@example.net")
    sign_up(client, need, shift, given_name="Ben", email="ben@example.net")
    testing.run_periodic("decide_signups")
    ana = Supporter.objects.get(email="ana@example.net")
    assert erase_supporter(owner, ana)
    assert list(Signup.objects.values_list("given_name", "state")) == [("Ben", "confirmed")]
    assert smtp_server.messages[-1]["To"] == "ben@example.net"


def test_a_sign_up_still_waiting_for_the_worker_is_erased_too(
    client: Client, need: Need, shift: Shift, owner: Membership
) -> None:
    sign_up(client, need, shift, email="ana@example.net")
    testing.run_periodic("decide_signups")
    other = make_shift(owner, need)
    sign_up(client, need, other, email="ana@example.net")  # not decided yet
    erase_supporter(owner, Supporter.objects.get())
    assert not Signup.objects.exists()
    testing.run_periodic("decide_signups")
    assert Supporter.objects.filter(email="ana@example.net").count() == 0


def test_retention_deletes_sign_ups_once_the_shift_is_long_over(
    client: Client, need: Need, owner: Membership
) -> None:
    past = timezone.now() - timedelta(days=200)
    old = services.add_shift(
        owner, need, starts_at=past, ends_at=past + timedelta(hours=2), place="Hall", slots=3
    )
    recent = make_shift(owner, need)
    for shift in (old, recent):
        Signup.objects.create(
            organisation=owner.organisation, need=need, shift=shift, email="a@example.net",
            email_key="a@example.net", given_name="A", wording=need.wording,
            state=SignupState.CONFIRMED, created_at=past,
        )  # fmt: skip
    outcomes = {each.kind.name: each.counts for each in run_organisation(owner.organisation)}
    assert outcomes["volunteers.signups"] == {"volunteer sign-ups": 1}
    assert list(Signup.objects.values_list("shift_id", flat=True)) == [recent.pk]


def test_the_privacy_notice_says_how_long_sign_ups_are_kept(client: Client, need: Need) -> None:
    notice = client.get("/o/alices/privacy/").content.decode()
    assert "volunteer sign-ups" in notice.lower()
    assert "volunteer shift" in notice
    assert need.wording.text.replace("'", "&#x27;") in notice  # the words volunteers agree to


def test_sign_ups_places_and_check_ins_are_counted(
    client: Client, need: Need, shift: Shift, owner: Membership
) -> None:
    from groundswell.analytics.models import DailyCount

    sign_up(client, need, shift, email="ana@example.net", ch="whatsapp", ref="x")
    sign_up(client, need, shift, email="ben@example.net")
    testing.run_periodic("decide_signups")
    services.check_in(owner, Signup.objects.get(email="ana@example.net"))
    testing.run_periodic("roll_up_row_kinds")
    totals = {
        kind: sum(
            DailyCount.objects.filter(kind=kind, scope="organisation", dimension="").values_list(
                "count", flat=True
            )
        )
        for kind in ("volunteer_signup", "volunteer_confirmed", "volunteer_checked_in")
    }
    assert totals == {"volunteer_signup": 2, "volunteer_confirmed": 2, "volunteer_checked_in": 1}
