"""Spike alerts: a rule or a campaign against its own history (lib/statistics.py), raised
once per throttle, shown to staff with the signals behind it and emailed to those who asked."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from groundswell import testing
from groundswell.accounts.models import STAFF_ACCESS, Membership, Organisation, Role
from groundswell.accounts.services import change_role, remove_member
from groundswell.campaigns.models import Campaign
from groundswell.listening import alerts, services, spikes
from groundswell.listening.models import (
    KeywordRule,
    Signal,
    SignalSource,
    SignalState,
    Spike,
    SpikeSubscription,
)

pytestmark = pytest.mark.django_db
_ids = count(1)


@pytest.fixture
def rule(org: Organisation) -> KeywordRule:
    return KeywordRule.objects.create(organisation=org, name="Sewage", phrases="sewage")


def heard(
    org: Organisation,
    n: int,
    at: datetime,
    *,
    rule: KeywordRule | None = None,
    campaign: Campaign | None = None,
    spread: timedelta = timedelta(0),
    state: str = SignalState.NEW,
) -> list[Signal]:
    """`n` signals heard at `at`, or spread evenly over `spread` before it."""
    made = []
    for i in range(n):
        number = next(_ids)
        signal = Signal.objects.create(
            organisation=org,
            source=SignalSource.FEED,
            external_id=f"item-{number}",
            title=f"Sewage in the river, report {number}",
            author_name=f"Reporter {number}",
            campaign=campaign,
            state=state,
        )
        when = at - spread * i / n if n else at
        Signal.objects.filter(pk=signal.pk).update(heard_at=when)
        if rule is not None:
            signal.rules.add(rule)
        made.append(signal)
    return made


def test_a_new_rule_spikes_at_five_in_the_hour_and_not_at_two(
    clock: testing.FakeClock, org: Organisation, rule: KeywordRule
) -> None:
    heard(org, 2, clock.moment - timedelta(minutes=5), rule=rule)
    assert spikes.detect(clock.moment) == []
    heard(org, 3, clock.moment - timedelta(minutes=1), rule=rule)

    [spike] = spikes.detect(clock.moment)

    assert (spike.rule, spike.campaign, spike.signals) == (rule, None, 5)
    assert spike.expected == pytest.approx(spikes.FLOOR_PER_HOUR)
    assert spike.tail < spikes.SURPRISE


def test_a_busy_rule_spikes_only_well_above_its_own_rate(
    clock: testing.FakeClock, org: Organisation, rule: KeywordRule
) -> None:
    start = clock.moment - spikes.WINDOW
    KeywordRule.objects.filter(pk=rule.pk).update(created_at=start - spikes.BASELINE * 2)
    # Two an hour for a fortnight.
    heard(org, 2 * 24 * 14, start - timedelta(seconds=1), rule=rule, spread=spikes.BASELINE)
    heard(org, 6, clock.moment - timedelta(minutes=10), rule=rule)
    assert spikes.detect(clock.moment) == []  # six where two are usual: chance enough

    heard(org, 10, clock.moment - timedelta(minutes=5), rule=rule)
    [spike] = spikes.detect(clock.moment)
    assert spike.signals == 16
    assert spike.expected == pytest.approx(2.0, rel=0.05)


def test_a_campaign_spikes_and_ignored_signals_do_not_count(
    clock: testing.FakeClock, org: Organisation, owner: Membership
) -> None:
    campaign = testing.make_campaign(owner, title="Clean air now")
    heard(org, 9, clock.moment, campaign=campaign, state=SignalState.IGNORED)
    assert spikes.detect(clock.moment) == []
    heard(org, 5, clock.moment, campaign=campaign)

    [spike] = spikes.detect(clock.moment)

    assert (spike.campaign, spike.signals) == (campaign, 5)


def test_one_alert_per_throttle_and_its_hours_leave_the_baseline(
    clock: testing.FakeClock, org: Organisation, rule: KeywordRule
) -> None:
    heard(org, 40, clock.moment, rule=rule)
    assert len(spikes.detect(clock.moment)) == 1
    clock.advance(timedelta(minutes=5))
    assert spikes.detect(clock.moment) == []  # the same storm: no second alert

    clock.advance(spikes.THROTTLE)
    heard(org, 8, clock.moment, rule=rule)
    # The 40 of the first spike are not this rule's normal: 8 is still a spike.
    [again] = spikes.detect(clock.moment)
    assert again.baseline == 0
    assert again.baseline_hours < spikes.BASELINE / timedelta(hours=1)


def test_subscribers_get_one_email_with_the_signals_and_the_page_lists_them(
    clock: testing.FakeClock,
    org: Organisation,
    owner: Membership,
    rule: KeywordRule,
    smtp_server: testing.LocalSMTPServer,
    settings: Settings,
    client: Client,
) -> None:
    settings.SITE_URL = "https://groundswell.example"
    analyst = testing.add_member(org, testing.make_user("ana@example.org", "Ana"), Role.ANALYST)
    services.choose_spike_email(analyst, wanted=True)
    heard(org, 6, clock.moment, rule=rule)

    testing.run_periodic("watch_spikes")

    spike = Spike.objects.get()
    assert spike.emailed == 1
    assert [str(message["To"]) for message in smtp_server.messages] == ["ana@example.org"]
    body = smtp_server.bodies()[0]
    assert "Sewage" in body and "Sewage in the river, report" in body
    assert f"https://groundswell.example/staff/alices/listening/spikes/{spike.pk}/" in body
    clock.advance(timedelta(minutes=5))
    testing.run_periodic("watch_spikes")
    assert len(smtp_server.messages) == 1

    client.force_login(owner.user)
    page = client.get("/staff/alices/listening/spikes/").content.decode()
    assert "Rule: Sewage" in page
    assert "You are not emailed" in page
    detail = client.get(f"/staff/alices/listening/spikes/{spike.pk}/").content.decode()
    assert detail.count('class="signal"') == 6
    response = client.post("/staff/alices/listening/spikes/email/", {"wanted": "on"})
    assert response.status_code == 302
    assert SpikeSubscription.objects.filter(membership=owner).exists()
    client.post("/staff/alices/listening/spikes/email/", {"wanted": ""})
    assert not SpikeSubscription.objects.filter(membership=owner).exists()


def test_another_organisations_spike_is_not_found(
    clock: testing.FakeClock, org: Organisation, rule: KeywordRule, client: Client
) -> None:
    heard(org, 6, clock.moment, rule=rule)
    [spike] = spikes.detect(clock.moment)
    carol = testing.make_user("carol@example.org", "Carol")
    testing.make_organisation(carol, name="Other", slug="other")
    client.force_login(carol)
    assert client.get(f"/staff/other/listening/spikes/{spike.pk}/").status_code == 404


def test_a_run_that_dies_before_the_emails_leaves_no_silent_spike(
    clock: testing.FakeClock,
    org: Organisation,
    rule: KeywordRule,
    smtp_server: testing.LocalSMTPServer,
) -> None:
    analyst = testing.add_member(org, testing.make_user("ana@example.org", "Ana"), Role.ANALYST)
    services.choose_spike_email(analyst, wanted=True)
    heard(org, 6, clock.moment, rule=rule)

    def dies(raised: list[Spike]) -> None:
        raise RuntimeError("the worker was killed here")

    with pytest.raises(RuntimeError):
        spikes.detect(clock.moment, on_raised=dies)
    # Without the emails, no spike: its throttle would otherwise silence it for hours.
    assert not Spike.objects.exists()
    testing.run_periodic("watch_spikes")
    assert Spike.objects.get().emailed == 1
    assert [str(message["To"]) for message in smtp_server.messages] == ["ana@example.org"]


def test_spike_emails_go_only_to_roles_that_may_read_the_spikes_page(
    clock: testing.FakeClock,
    org: Organisation,
    owner: Membership,
    rule: KeywordRule,
    smtp_server: testing.LocalSMTPServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    analyst = testing.add_member(org, testing.make_user("ana@example.org", "Ana"), Role.ANALYST)
    services.choose_spike_email(analyst, wanted=True)
    services.choose_spike_email(owner, wanted=True)
    # Today every member reads the listening pages; the email follows the table if that
    # changes, as it would for a page only triagers may open.
    monkeypatch.setitem(STAFF_ACCESS, "listening:spike", {"GET": "listening.triage"})
    heard(org, 6, clock.moment, rule=rule)

    testing.run_periodic("watch_spikes")

    assert [str(message["To"]) for message in smtp_server.messages] == ["alice@example.org"]
    assert Spike.objects.get().emailed == 1


def test_a_member_whose_role_changes_or_who_leaves_stops_getting_spike_emails(
    clock: testing.FakeClock,
    org: Organisation,
    owner: Membership,
    editor: Membership,
    rule: KeywordRule,
    smtp_server: testing.LocalSMTPServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(STAFF_ACCESS, "listening:spike", {"GET": "listening.triage"})
    moderator = testing.add_member(org, testing.make_user("mo@example.org", "Mo"), Role.MODERATOR)
    services.choose_spike_email(editor, wanted=True)
    services.choose_spike_email(moderator, wanted=True)
    heard(org, 6, clock.moment, rule=rule)
    testing.run_periodic("watch_spikes")
    assert sorted(str(message["To"]) for message in smtp_server.messages) == [
        "bob@example.org",
        "mo@example.org",
    ]

    change_role(owner, moderator, Role.ANALYST)
    remove_member(owner, editor)
    assert not SpikeSubscription.objects.filter(membership_id=editor.pk).exists()
    clock.advance(spikes.THROTTLE + timedelta(minutes=5))
    heard(org, 12, clock.moment, rule=rule)
    testing.run_periodic("watch_spikes")

    assert Spike.objects.count() == 2
    assert len(smtp_server.messages) == 2  # nobody was told of the second
    change_role(owner, moderator, Role.MODERATOR)  # the choice was kept for the role
    assert [s.membership_id for s in alerts.subscribers(org.pk)] == [moderator.pk]
