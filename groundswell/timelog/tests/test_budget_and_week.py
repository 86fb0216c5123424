from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.audit.models import AuditEntry
from groundswell.lib.dates import week_start
from groundswell.lib.retention import REGISTRY, discover
from groundswell.timelog import budget, services
from groundswell.timelog.models import TimeEntry

CAMPAIGNS = "/staff/alices/campaigns/"


def test_the_banner_warns_gently_at_80_and_100_percent_on_any_staff_page(
    client: Client, alice: User, owner: Membership, log: Callable[..., TimeEntry]
) -> None:
    client.force_login(alice)
    response = client.post(reverse("timelog:budget", args=["alices"]), {"minutes": "60"})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="timelog.budget").count() == 1
    log(owner, 47)
    assert "banner budget" not in client.get(CAMPAIGNS).content.decode()
    log(owner, 1)
    html = client.get(CAMPAIGNS).content.decode()
    assert "You have used 80 % of today's time for social media" in html
    assert "48 of your 60 minutes" in html
    log(owner, 15)
    html = client.get(CAMPAIGNS).content.decode()
    assert "You have reached today's time for social media" in html
    assert "63 minutes logged against your budget of 60" in html
    # Only the person's own day: bob, with no budget, sees nothing.
    bob = testing.make_user("bob@example.org", "Bob Editor")
    testing.add_member(owner.organisation, bob, "editor")
    client.force_login(bob)
    assert "banner budget" not in client.get(CAMPAIGNS).content.decode()


def test_a_running_timer_counts_towards_the_warning(
    client: Client, alice: User, owner: Membership, clock: testing.FakeClock
) -> None:
    # Mid-morning: a timer run across midnight counts only the new day's minutes, so a test
    # started at 23:50 saw 15 of them (CI, 7 December).
    clock.moment = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    services.set_budget(owner, 30)
    services.start_timer(owner, services.Work("writing"))
    clock.advance(timedelta(minutes=25))
    client.force_login(alice)
    # The cached answer holds the timer's start, not its minutes: they grow without a write.
    assert "You have used 83 %" in client.get(CAMPAIGNS).content.decode()
    clock.advance(timedelta(minutes=6))
    assert "You have reached today" in client.get(CAMPAIGNS).content.decode()


def test_the_check_is_one_query_and_then_cached(
    owner: Membership, log: Callable[..., TimeEntry]
) -> None:
    services.set_budget(owner, 100)
    log(owner, 20)
    with CaptureQueriesContext(connection) as first:
        found = budget.status(owner)
    with CaptureQueriesContext(connection) as again:
        assert budget.status(owner) == found
    assert found is not None and (found.budget, found.logged, found.level) == (100, 20, "")
    assert (len(first), len(again)) == (1, 0)
    log(owner, 70)  # a verb forgets the cached answer
    assert budget.status(owner).level == "near"  # type: ignore[union-attr]


def test_the_budget_form_refuses_nonsense_and_can_be_removed(
    client: Client, alice: User, owner: Membership
) -> None:
    client.force_login(alice)
    url = reverse("timelog:budget", args=["alices"])
    for typed, message in (("", "Enter the number of minutes"), ("0", "Enter at least 1 minute"),
                           ("2000", "Enter 1,440 minutes (a whole day) or fewer")):  # fmt: skip
        html = client.post(url, {"minutes": typed}).content.decode()
        assert message in html and "<title>Error: " in html
    client.post(url, {"minutes": "45"})
    assert budget.status(owner).budget == 45  # type: ignore[union-attr]
    client.post(url, {"remove": "1"})
    assert budget.status(owner) is None


def test_the_week_at_a_glance_per_day_activity_and_campaign(
    client: Client,
    alice: User,
    owner: Membership,
    editor: Membership,
    log: Callable[..., TimeEntry],
) -> None:
    campaign = testing.make_campaign(owner)
    monday = week_start(services.today())
    services.set_budget(owner, 60)
    log(owner, 50, day=monday, activity="replying", campaign=campaign)
    log(owner, 30, day=monday, activity="writing")
    log(owner, 20, day=monday - timedelta(days=1))  # last week
    log(editor, 99, day=monday)  # a colleague's
    client.force_login(alice)
    response = client.get(reverse("timelog:week", args=["alices"]))
    week = response.context["week"]
    assert [day.minutes for day in week.days] == [80, 0, 0, 0, 0, 0, 0]
    assert (week.total, week.days_over, week.days[0].percent) == (80, 1, 133)
    assert week.activities == [("Replying", 50), ("Writing", 30)]
    assert week.campaigns == [("Clean Rivers Now", 50), ("No particular campaign", 30)]
    html = response.content.decode()
    assert '<svg class="bar"' in html and 'width="100.0"' in html


def test_a_colleagues_week_is_for_owners_only(
    client: Client, alice: User, bob: User, owner: Membership, editor: Membership
) -> None:
    url = reverse("timelog:week", args=["alices"])
    client.force_login(bob)
    assert client.get(url, {"member": owner.pk}).status_code == 403
    assert client.get(url, {"member": editor.pk}).status_code == 200
    assert client.get(url, {"member": "x1"}).status_code == 400
    assert client.get(url, {"week": "2026-W99"}).status_code == 400
    assert client.get(reverse("timelog:team", args=["alices"])).status_code == 403
    client.force_login(alice)
    response = client.get(url, {"member": str(editor.pk), "week": "2026-W10"})
    assert response.status_code == 200 and "Bob Editor" in response.content.decode()
    team = client.get(reverse("timelog:team", args=["alices"])).content.decode()
    assert "Bob Editor" in team and "Alice Owner" in team


def test_old_entries_go_with_their_retention_period(
    owner: Membership, org: Organisation, log: Callable[..., TimeEntry]
) -> None:
    discover()
    kind = REGISTRY["timelog.entries"]
    log(owner, 10, day=services.today() - timedelta(days=200))
    log(owner, 10)
    now = services.today()
    from django.utils import timezone

    cutoff = kind.cutoff(timezone.now(), 100)
    assert kind.count(org, cutoff) == {"time entries": 1}
    assert kind.run(org, cutoff) == {"time entries": 1}
    assert list(TimeEntry.objects.values_list("date", flat=True)) == [now]
