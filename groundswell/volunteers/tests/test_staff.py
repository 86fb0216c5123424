"""The staff's half: needs and shifts (time-zone correct), the coordinator's list for the day
(printable, CSV without formulas) and check-in."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.audit.models import AuditEntry
from groundswell.volunteers.models import Need, Shift, Signup

from .conftest import make_shift, sign_up

pytestmark = pytest.mark.django_db


def staff(client: Client, member: Membership) -> Client:
    client.force_login(member.user)
    return client


def test_an_editor_asks_for_volunteers_and_adds_a_shift_in_the_needs_time_zone(
    client: Client, editor: Membership
) -> None:
    staff(client, editor)
    made = client.post(
        "/staff/alices/volunteers/",
        {"title": "Cooks for the langar", "quantity": "12", "skills": "Hindi speaker: 2\nVan",
         "time_zone": "Asia/Kolkata"},
    )  # fmt: skip
    need = Need.objects.get()
    assert made["Location"] == f"/staff/alices/volunteers/{need.pk}/"
    assert need.skills == [{"name": "Hindi speaker", "wanted": 2}, {"name": "Van", "wanted": 1}]
    assert need.status == "draft"
    added = client.post(
        f"/staff/alices/volunteers/{need.pk}/",
        {"day_day": "12", "day_month": "12", "day_year": "2026", "starts": "09:00", "ends": "13:30",
         "place": "Gurdwara hall", "slots": "6"},
    )  # fmt: skip
    assert added.status_code == 302
    shift = Shift.objects.get()
    # 09:00 in Kolkata (UTC+5:30) is 03:30 UTC.
    assert shift.starts_at == datetime(2026, 12, 12, 3, 30, tzinfo=UTC)
    assert shift.ends_at == datetime(2026, 12, 12, 8, 0, tzinfo=UTC)
    page = client.get(f"/staff/alices/volunteers/{need.pk}/").content.decode()
    assert "09:00\u201313:30 (IST)" in page  # an en dash
    assert AuditEntry.objects.filter(action="volunteers.shift_add").exists()


def test_a_shift_across_the_clock_change_keeps_its_wall_clock_time(
    owner: Membership,
) -> None:
    from groundswell.volunteers.forms import ShiftForm

    need = need_in(owner, "Europe/London")
    summer = ShiftForm(
        {"day_day": "1", "day_month": "7", "day_year": "2027", "starts": "22:00", "ends": "02:00",
         "place": "Night shelter", "slots": "3"},
        need=need,
    )  # fmt: skip
    assert summer.is_valid(), summer.errors
    assert summer.cleaned_data["starts_at"].astimezone(UTC).hour == 21  # BST, UTC+1
    assert summer.cleaned_data["ends_at"] - summer.cleaned_data["starts_at"] == timedelta(hours=4)
    winter = ShiftForm(
        {"day_day": "1", "day_month": "1", "day_year": "2027", "starts": "22:00", "ends": "02:00",
         "place": "Night shelter", "slots": "3"},
        need=need,
    )  # fmt: skip
    assert winter.is_valid()
    assert winter.cleaned_data["starts_at"].astimezone(UTC).hour == 22  # GMT


def need_in(owner: Membership, zone: str) -> Need:
    from .conftest import make_need

    return make_need(owner, time_zone=zone)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": ""}, "Enter a title."),
        ({"quantity": "many"}, "Enter a whole number of people"),
        ({"quantity": "0"}, "Ask for at least one person."),
        ({"time_zone": "Mars/Olympus"}, "Enter a time zone such as"),
        ({"skills": "Van: 2\nvan: 3"}, "is listed twice"),
    ],
)
def test_a_bad_need_is_refused_with_its_message(
    client: Client, editor: Membership, fields: dict[str, str], message: str
) -> None:
    staff(client, editor)
    data = {"title": "Vans", "quantity": "4", "time_zone": "Europe/London", **fields}
    response = client.post("/staff/alices/volunteers/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Need.objects.exists()


def test_a_bad_shift_is_refused_with_its_message(
    client: Client, owner: Membership, editor: Membership
) -> None:
    need = need_in(owner, "Europe/London")
    staff(client, editor)
    response = client.post(
        f"/staff/alices/volunteers/{need.pk}/",
        {"day_day": "31", "day_month": "2", "day_year": "2027", "starts": "25:00", "ends": "",
         "place": "", "slots": "0"},
    )  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 400
    for message in ("Enter a time like 09:30", "Enter when the shift ends.", "Enter where to meet.",
                    "A shift takes at least one person."):  # fmt: skip
        assert message in page
    assert not Shift.objects.exists()


def test_the_day_list_shows_who_comes_with_check_in_and_a_safe_csv(
    client: Client, owner: Membership, need: Need
) -> None:
    shift = make_shift(owner, need, slots=1)
    sign_up(client, need, shift, given_name="=HYPERLINK(1)", email="ana@example.net",
            phone="+44 7700 900123", skills=["Van"])  # fmt: skip
    sign_up(client, need, shift, given_name="Ben", email="ben@example.net")
    testing.run_periodic("decide_signups")
    staff(client, owner)
    local = timezone.localtime(shift.starts_at, need.zone).date()
    query = f"?day_day={local.day}&day_month={local.month}&day_year={local.year}"
    page = client.get(f"/staff/alices/volunteers/{need.pk}/day/{query}").content.decode()
    assert "+44 7700 900123" in page and "Ben" in page and "(waitlist)" in page
    rows = list(csv.reader(io.StringIO(
        client.get(f"/staff/alices/volunteers/{need.pk}/day.csv{query}").content.decode()
    )))  # fmt: skip
    assert rows[0][:4] == ["shift_starts", "place", "state", "given_name"]
    assert rows[1][3] == "'=HYPERLINK(1)" and rows[1][7] == "Van"
    ana = Signup.objects.get(email="ana@example.net")
    ben = Signup.objects.get(email="ben@example.net")
    done = client.post(f"/staff/alices/volunteers/signups/{ana.pk}/check-in/")
    assert done.status_code == 302 and query in done["Location"]
    ana.refresh_from_db()
    assert ana.checked_in_at is not None
    client.post(f"/staff/alices/volunteers/signups/{ben.pk}/check-in/")  # waitlisted: refused
    ben.refresh_from_db()
    assert ben.checked_in_at is None
    assert "Checked in at" in client.get(done["Location"]).content.decode()
    bad_day = f"/staff/alices/volunteers/{need.pk}/day/?day_day=40&day_month=1&day_year=2027"
    assert client.get(bad_day).status_code == 400


def test_the_public_page_shows_what_is_still_missing_live(
    client: Client, owner: Membership, need: Need, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from groundswell.lib import pagecache

    shift = make_shift(owner, need, slots=2)
    url = f"/o/alices/volunteer/{need.pk}/"
    first = client.get(url).content.decode()
    assert "40 more people wanted: 0 of 40 have a place." in first
    assert "Van: 10 of 10 still needed" in first and "2 of 2" in first
    sign_up(client, need, shift, email="ana@example.net", skills=["Van", "First aid"])
    sign_up(client, need, shift, email="ben@example.net", skills=["Van"])
    testing.run_periodic("decide_signups")
    # The page copy in front of Django lives a second; the next copy counts afresh.
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now + pagecache.SECONDS + 0.1)
    later = client.get(url).content.decode()
    assert "38 more people wanted: 2 of 40 have a place." in later
    assert "Van: 8 of 10 still needed" in later and "First aid: 1 of 2 still needed" in later
    assert "Full: waitlist open" in later
    assert "(full: you join the waitlist)" in later


PHONE = "07700 900123"


def test_a_need_or_shift_that_would_publish_a_phone_number_is_refused_and_nothing_stored(
    client: Client, editor: Membership
) -> None:
    staff(client, editor)
    refused = client.post(
        "/staff/alices/volunteers/",
        {"title": "Drivers", "quantity": "3", "time_zone": "Europe/London",
         "description": f"Ring Dev on {PHONE} to say you can come."},
    )  # fmt: skip
    assert refused.status_code == 400
    assert "error-summary" in refused.content.decode()
    assert PHONE in refused.content.decode()  # the typed words are kept in the form
    assert not Need.objects.exists()

    made = client.post(
        "/staff/alices/volunteers/",
        {"title": "Drivers", "quantity": "3", "time_zone": "Europe/London"},
    )
    assert made.status_code == 302
    need = Need.objects.get()
    shift = {"day_day": "12", "day_month": "12", "day_year": "2026", "starts": "09:00",
             "ends": "13:30", "slots": "2"}  # fmt: skip
    refused = client.post(
        f"/staff/alices/volunteers/{need.pk}/", shift | {"place": f"Call {PHONE} at the gate"}
    )
    assert refused.status_code == 400
    assert not Shift.objects.exists()
    assert (
        client.post(
            f"/staff/alices/volunteers/{need.pk}/", shift | {"place": "Gurdwara hall"}
        ).status_code
        == 302
    )
    assert Shift.objects.count() == 1
