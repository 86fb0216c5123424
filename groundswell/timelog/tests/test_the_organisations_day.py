"""The time log's day is the organisation's: its time zone, midnight and 24-hour limit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.timelog import budget, services
from groundswell.timelog.models import TimeEntry

CAMPAIGNS = "/staff/alices/campaigns/"


def _in_zone(owner: Membership, name: str) -> None:
    Organisation.objects.filter(pk=owner.organisation_id).update(time_zone=name)
    owner.organisation.refresh_from_db()


def test_today_is_the_organisations_day_not_the_sites(
    client: Client, alice: User, owner: Membership, clock: testing.FakeClock
) -> None:
    # 23:30 UTC on 30 November is already 1 December in Auckland (UTC+13 in summer).
    clock.moment = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    _in_zone(owner, "Pacific/Auckland")
    assert services.today(owner.organisation) == date(2026, 12, 1)
    services.set_budget(owner, 60)
    services.add_entry(
        owner, {"date": date(2026, 12, 1), "minutes": 50, "activity": "writing", "campaign": None}
    )
    # The entry is Auckland's today: the banner counts it, and the form took the date.
    found = budget.status(owner)
    assert found is not None and found.logged == 50 and found.level == "near"
    client.force_login(alice)
    assert "You have used 83 %" in client.get(CAMPAIGNS).content.decode()
    week = client.get(reverse("timelog:week", args=["alices"])).content.decode()
    assert "2026-W49" in week  # the week of Monday 30 November, where 1 December falls


def test_a_timer_across_midnight_counts_on_each_day_it_ran(
    client: Client, alice: User, owner: Membership, clock: testing.FakeClock
) -> None:
    _in_zone(owner, "Europe/Berlin")  # UTC+1 in winter
    clock.moment = datetime(2026, 12, 1, 22, 40, tzinfo=UTC)  # 23:40 in Berlin
    services.set_budget(owner, 60)
    services.start_timer(owner, services.Work("replying"))
    clock.advance(timedelta(minutes=50))  # 00:30 on 2 December in Berlin
    # The banner counts today's 30 minutes, not yesterday's 20.
    found = budget.status(owner)
    assert found is not None and found.spent() == 30
    client.force_login(alice)
    response = client.post(reverse("timelog:timer_stop", args=["alices"]), follow=True)
    assert "each day has its own entry" in response.content.decode()
    assert list(TimeEntry.objects.order_by("date").values_list("date", "minutes")) == [
        (date(2026, 12, 1), 20),
        (date(2026, 12, 2), 30),
    ]


def test_stopping_the_timer_keeps_a_day_to_24_hours(
    client: Client,
    alice: User,
    owner: Membership,
    clock: testing.FakeClock,
    log: Callable[..., TimeEntry],
) -> None:
    clock.moment = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    log(owner, 1400)  # 40 minutes of the day left
    services.start_timer(owner, services.Work("writing"))
    clock.advance(timedelta(hours=2))
    client.force_login(alice)
    response = client.post(reverse("timelog:timer_stop", args=["alices"]), follow=True)
    assert "only what was left of the day was recorded" in response.content.decode()
    assert sum(TimeEntry.objects.values_list("minutes", flat=True)) == 24 * 60
    # A full day takes nothing more, and says so.
    services.start_timer(owner, services.Work("writing"))
    clock.advance(timedelta(minutes=5))
    response = client.post(reverse("timelog:timer_stop", args=["alices"]), follow=True)
    assert "that day already holds 24 hours" in response.content.decode()
    assert sum(TimeEntry.objects.values_list("minutes", flat=True)) == 24 * 60


def test_owners_choose_the_time_zone_and_a_made_up_one_is_refused(
    client: Client, alice: User, owner: Membership
) -> None:
    client.force_login(alice)
    url = reverse("accounts:settings", args=["alices"])
    data = {"name": "Alice's Campaigners", "story_format": "note"}
    response = client.post(url, {**data, "time_zone": "Mars/Olympus_Mons"})
    assert "Choose a time zone from the list" in response.content.decode()
    client.post(url, {**data, "time_zone": "America/Chicago"})
    owner.organisation.refresh_from_db()
    assert owner.organisation.time_zone == "America/Chicago"
