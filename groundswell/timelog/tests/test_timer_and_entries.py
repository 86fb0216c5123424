from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.audit.models import AuditEntry
from groundswell.timelog import services
from groundswell.timelog.models import RunningTimer, TimeEntry

HOME = "/staff/alices/time/"


def test_the_timer_survives_page_loads_and_stopping_records_an_entry(
    client: Client, alice: User, owner: Membership, clock: testing.FakeClock
) -> None:
    clock.moment = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    campaign = testing.make_campaign(owner)
    client.force_login(alice)
    response = client.post(
        reverse("timelog:timer_start", args=["alices"]),
        {"activity": "replying", "campaign": str(campaign.pk), "channel": "fediverse"},
    )
    assert response.status_code == 302
    clock.advance(timedelta(minutes=24, seconds=10))
    page = client.get(HOME).content.decode()
    assert "Running since" in page and "Clean Rivers Now" in page
    assert "Start the timer" not in page
    response = client.post(reverse("timelog:timer_stop", args=["alices"]), follow=True)
    assert "Recorded 25 minutes of replying." in response.content.decode()
    entry = TimeEntry.objects.get()
    assert (entry.minutes, entry.activity, entry.campaign, entry.channel, entry.source) == (
        25, "replying", campaign, "fediverse", "timer",
    )  # fmt: skip
    assert entry.user == alice and entry.date == services.today()
    assert not RunningTimer.objects.exists()
    # Stopping again (a second tab) records nothing more.
    client.post(reverse("timelog:timer_stop", args=["alices"]))
    assert TimeEntry.objects.count() == 1


def test_one_running_timer_per_person_even_across_organisations(
    client: Client, alice: User, owner: Membership, charlie: User
) -> None:
    other = testing.make_organisation(alice, name="Second Org", slug="second")
    client.force_login(alice)
    client.post(reverse("timelog:timer_start", args=["alices"]), {"activity": "writing"})
    response = client.post(reverse("timelog:timer_start", args=["alices"]), {"activity": "writing"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Your timer is already running" in html and 'class="error-summary"' in html
    page = client.get(reverse("timelog:home", args=[other.slug])).content.decode()
    assert "Your timer is running for Alice&#x27;s Campaigners" in page
    with pytest.raises(ValidationError):
        services.start_timer(testing.membership(alice, other), services.Work("writing"))
    assert RunningTimer.objects.count() == 1


def test_a_timer_left_running_overnight_is_cut_to_twelve_hours(
    client: Client, alice: User, owner: Membership, clock: testing.FakeClock
) -> None:
    clock.moment = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # ends at 19:00, the same day
    services.start_timer(owner, services.Work("listening"))
    started = services.today()
    clock.advance(timedelta(hours=30))
    client.force_login(alice)
    response = client.post(reverse("timelog:timer_stop", args=["alices"]), follow=True)
    assert "only 12 hours were recorded" in response.content.decode()
    entry = TimeEntry.objects.get()
    assert (entry.minutes, entry.date) == (720, started)


def test_a_manual_entry_fails_the_gov_uk_way_and_keeps_what_was_typed(
    client: Client, alice: User, owner: Membership
) -> None:
    client.force_login(alice)
    url = reverse("timelog:entry_new", args=["alices"])
    response = client.post(
        url, {"date_day": "12", "date_month": "", "date_year": "2026", "minutes": "abc"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "<title>Error: Add time by hand" in html
    assert html.index('class="error-summary"') < html.index("<h1")
    assert "The date must include a month" in html
    assert "Enter the minutes as a whole number, like 45" in html
    assert "Choose what you did" in html
    assert 'href="#id_activity"' in html and '<fieldset id="id_activity"' in html
    assert 'aria-describedby="id_date_helptext id_date_error"' in html
    assert 'name="date_day" value="12"' in html and 'value="abc"' in html
    assert not TimeEntry.objects.exists()
    future = services.today() + timedelta(days=2)
    response = client.post(url, _typed(future, "30"))
    assert "The date must be today or in the past." in response.content.decode()
    response = client.post(
        url, {**_typed(services.today(), "30"), "date_day": "31", "date_month": "2"}
    )
    assert "The date must be a real date" in response.content.decode()
    assert not TimeEntry.objects.exists()
    response = client.post(url, _typed(services.today(), "30"))
    assert response.status_code == 302
    assert TimeEntry.objects.get().minutes == 30


def _typed(day: object, minutes: str, **more: str) -> dict[str, str]:
    return {
        "date_day": str(day.day),  # type: ignore[attr-defined]
        "date_month": str(day.month),  # type: ignore[attr-defined]
        "date_year": str(day.year),  # type: ignore[attr-defined]
        "minutes": minutes,
        "activity": "scheduling",
        **more,
    }


def test_a_day_holds_no_more_than_twenty_four_hours(
    owner: Membership, log: Callable[..., TimeEntry]
) -> None:
    log(owner, 1000)
    with pytest.raises(ValidationError) as refused:
        log(owner, 500)
    assert "enter 440 minutes or fewer" in str(refused.value)


def test_another_organisations_campaign_is_refused(
    client: Client, alice: User, owner: Membership, charlie: User
) -> None:
    theirs = testing.make_campaign(
        testing.membership(charlie, Organisation.objects.get(slug="charlies")), slug="theirs"
    )
    client.force_login(alice)
    response = client.post(
        reverse("timelog:entry_new", args=["alices"]),
        _typed(services.today(), "20", campaign=str(theirs.pk)),
    )
    assert "Choose one of your organisation&#x27;s campaigns" in response.content.decode()
    assert not TimeEntry.objects.exists()


def test_only_the_person_and_the_owners_see_and_change_an_entry(
    client: Client,
    alice: User,
    bob: User,
    editor: Membership,
    org: Organisation,
    charlie: User,
    log: Callable[..., TimeEntry],
) -> None:
    entry = log(editor, 40)
    url = reverse("timelog:entry", args=["alices", entry.pk])
    delete = reverse("timelog:entry_delete", args=["alices", entry.pk])
    dana = testing.make_user("dana@example.org", "Dana Analyst")
    testing.add_member(org, dana, "analyst")
    client.force_login(dana)
    assert client.get(url).status_code == 403
    assert client.post(delete).status_code == 403
    client.force_login(charlie)
    assert client.get(url).status_code == 404
    # Bob changes his own entry; nobody else's business, so not the owner's audit noise.
    client.force_login(bob)
    assert client.post(url, _typed(entry.date, "45")).status_code == 302
    entry.refresh_from_db()
    assert entry.minutes == 45
    # The owner corrects it: audited with both names.
    client.force_login(alice)
    assert "This entry is Bob Editor" in client.get(url).content.decode()
    assert client.post(url, _typed(entry.date, "50")).status_code == 302
    changed = AuditEntry.objects.get(action="timelog.entry_change", actor=alice)
    # By number, never by name: the log is kept for years.
    assert changed.summary == f"Changed time entry #{entry.pk} of user #{bob.pk}: minutes"
    assert client.post(delete).status_code == 302
    assert not TimeEntry.objects.exists()
    assert AuditEntry.objects.filter(action="timelog.entry_delete", actor=alice).exists()


def test_the_csv_has_the_persons_own_entries_only(
    client: Client,
    alice: User,
    owner: Membership,
    editor: Membership,
    log: Callable[..., TimeEntry],
) -> None:
    campaign = testing.make_campaign(owner, title="=HYPERLINK(1)", slug="formula")
    log(owner, 30, campaign=campaign)
    log(editor, 55)
    client.force_login(alice)
    response = client.get(reverse("timelog:export", args=["alices"]))
    lines = response.content.decode().splitlines()
    assert lines[0] == "date,minutes,activity,campaign,channel,recorded by"
    assert lines[1:] == [f"{services.today().isoformat()},30,Writing,'=HYPERLINK(1),,manual"]
    assert response["Cache-Control"] == "private, no-store"


def test_deleting_an_account_keeps_the_hours_without_the_person(
    editor: Membership, bob: User, log: Callable[..., TimeEntry]
) -> None:
    log(editor, 35)
    bob.delete()
    entry = TimeEntry.objects.get()
    assert (entry.user_id, entry.minutes) == (None, 35)


def test_leaving_an_organisation_ends_the_timer_there(
    owner: Membership, editor: Membership, bob: User
) -> None:
    from groundswell.accounts.services import remove_member

    services.start_timer(editor, services.Work("writing"))
    remove_member(owner, editor)
    assert not RunningTimer.objects.filter(user=bob).exists()
