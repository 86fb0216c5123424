"""Counting by source in the worker, trends against each source's own history, and alerts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, Role
from groundswell.actions import intake
from groundswell.actions.models import Petition, Signature, SignatureIntake
from groundswell.fraud import services, trends
from groundswell.fraud.models import ScanCursor, SourceCount, SourceKind, Trend

from .conftest import Sign


def sign_url(petition: Petition) -> str:
    return reverse("actions:sign", args=[petition.organisation.slug, petition.pk])


def test_the_worker_keeps_the_network_range_and_the_domain_not_the_address(
    client: Client, petition: Petition, owner: Membership, task_queue: None
) -> None:
    client.post(
        sign_url(petition),
        {"given_name": "Ana", "email": "Ana.Lyn@GoogleMail.com", "consent": "on"},
        REMOTE_ADDR="203.0.113.77",
    )
    client.post(
        sign_url(petition),
        {"given_name": "Ben", "email": "ben@example.org", "consent": "on"},
        REMOTE_ADDR="2001:db8:1:2:3:4:5:6",
    )
    # The request put the range in the payload it writes anyway: never the address.
    payloads = [row.payload for row in SignatureIntake.objects.order_by("id")]
    assert [p["network"] for p in payloads] == ["203.0.113.0/24", "2001:db8:1:2::/64"]
    assert "203.0.113.77" not in str(payloads)
    assert intake.process() == 2  # the bulk path
    ana = Signature.objects.get(supporter__email="Ana.Lyn@GoogleMail.com")
    assert (ana.network, ana.email_domain) == ("203.0.113.0/24", "gmail.com")
    ben = Signature.objects.get(supporter__email="ben@example.org")
    assert (ben.network, ben.email_domain) == ("2001:db8:1:2::/64", "example.org")
    # Someone the organisation knows goes through the single path: it records them too.
    other = testing.make_petition(owner, petition.campaign, title="Second petition")
    client.post(
        sign_url(other),
        {"given_name": "Ana", "email": "ana.lyn@gmail.com", "consent": "on"},
        REMOTE_ADDR="198.51.100.9",
    )
    assert intake.process() == 1
    again = Signature.objects.get(petition=other)
    assert (again.network, again.email_domain) == ("198.51.100.0/24", "gmail.com")


def test_the_osdi_helper_keeps_the_range_of_the_public_sender(
    client: Client, petition: Petition, task_queue: None
) -> None:
    body = {"person": {"given_name": "Nia", "email_addresses": [{"address": "nia@example.net"}]}}
    url = reverse("api:osdi:record_signature_helper", args=[petition.pk])
    response = client.post(url, body, content_type="application/json", REMOTE_ADDR="192.0.2.200")
    assert response.status_code == 200
    assert SignatureIntake.objects.get().payload["network"] == "192.0.2.0/24"


@pytest.fixture
def history(petition: Petition, signed: Sign, clock: testing.FakeClock) -> Petition:
    """A fortnight of ordinary signing: 40 % gmail.com, the rest spread over networks."""
    now = clock.moment
    for day in range(1, 11):
        at = now - timedelta(days=day)
        signed(petition, 8, network=f"10.{day}.0.0/24", domain="gmail.com", at=at)
        signed(petition, 12, network=f"10.{day}.1.0/24", domain=f"mail{day}.example", at=at)
    return petition


def watch(clock: testing.FakeClock) -> list[Trend]:
    while trends.count_new_signatures(clock.moment):
        pass
    return trends.detect(clock.moment)


def test_a_surge_from_one_network_trends_and_a_big_domain_keeping_its_share_does_not(
    history: Petition, signed: Sign, clock: testing.FakeClock
) -> None:
    hour = clock.moment - timedelta(minutes=20)
    for n in range(1, 11):  # the surge: one network, the usual domains
        signed(history, 3, network="198.51.100.0/24", domain=f"mail{n}.example", at=hour)
    for n in range(40):  # gmail.com at its usual 40 %, from everywhere
        signed(history, 1, network=f"100.64.{n}.0/24", domain="gmail.com", at=hour)
    for n in range(30):
        signed(history, 1, network=f"100.65.{n}.0/24", domain=f"mail{n % 10 + 1}.example", at=hour)
    raised = watch(clock)
    assert [(t.kind, t.source) for t in raised] == [(SourceKind.NETWORK, "198.51.100.0/24")]
    surge = raised[0]
    assert (surge.signatures, surge.window_total) == (30, 100)
    assert surge.baseline_share == 0.005  # never seen: the floor
    assert surge.expected == pytest.approx(0.5)
    assert surge.tail < 1e-6
    assert surge.window_end == clock.moment


def test_gmail_keeping_its_share_in_a_viral_hour_does_not_trend(
    history: Petition, signed: Sign, clock: testing.FakeClock
) -> None:
    # Ten times the usual hour, everyone included: gmail.com brings 40 % as ever.
    hour = clock.moment - timedelta(minutes=5)
    for n in range(15):
        signed(history, 4, network=f"100.64.{n}.0/24", domain="gmail.com", at=hour)
        signed(history, 6, network=f"100.65.{n}.0/24", domain=f"viral{n}.example", at=hour)
    assert watch(clock) == []
    assert SourceCount.objects.filter(kind=SourceKind.DOMAIN, source="gmail.com").exists()


def test_one_alert_per_source_per_window_and_a_new_one_after(
    history: Petition, signed: Sign, clock: testing.FakeClock
) -> None:
    signed(history, 20, network="198.51.100.0/24", at=clock.moment - timedelta(minutes=5))
    assert [t.source for t in watch(clock) if t.kind == SourceKind.NETWORK] == ["198.51.100.0/24"]
    clock.advance(timedelta(minutes=10))
    signed(history, 20, network="198.51.100.0/24", at=clock.moment - timedelta(minutes=2))
    assert watch(clock) == []  # the same source, the same hour: no second alert
    clock.advance(trends.THROTTLE + timedelta(minutes=1))
    signed(history, 20, network="198.51.100.0/24", at=clock.moment - timedelta(minutes=2))
    # Its last hour's trend is left out of its baseline, so it trends again.
    assert [t.source for t in watch(clock) if t.kind == SourceKind.NETWORK] == ["198.51.100.0/24"]


def test_a_signature_is_counted_once_settled_and_only_once(
    petition: Petition, signed: Sign, clock: testing.FakeClock
) -> None:
    signed(petition, 3, network="198.51.100.0/24", at=clock.moment)
    assert trends.count_new_signatures(clock.moment) == 0  # still settling
    clock.advance(trends.SETTLE + timedelta(seconds=1))
    assert trends.count_new_signatures(clock.moment) == 3
    assert trends.count_new_signatures(clock.moment) == 0
    total = SourceCount.objects.get(kind=SourceKind.ALL)
    assert total.signatures == 3
    assert ScanCursor.objects.get().last_id == max(Signature.objects.values_list("pk", flat=True))


def test_counts_older_than_the_baseline_are_forgotten(
    petition: Petition, signed: Sign, clock: testing.FakeClock
) -> None:
    signed(petition, 2, at=clock.moment - trends.BASELINE - timedelta(days=2))
    signed(petition, 2, at=clock.moment - timedelta(days=1))
    trends.count_new_signatures(clock.moment)
    assert trends.forget_old_counts(clock.moment) == 3  # all, the network and the domain
    assert SourceCount.objects.filter(kind=SourceKind.ALL).get().signatures == 2


def test_the_periodic_task_counts_detects_and_emails_those_who_asked(
    history: Petition,
    signed: Sign,
    clock: testing.FakeClock,
    owner: Membership,
    org: Organisation,
    smtp_server: testing.LocalSMTPServer,
    settings: Settings,
) -> None:
    settings.SITE_URL = "https://groundswell.example"
    analyst = testing.add_member(org, testing.make_user("ana@example.org", "Ana"), Role.ANALYST)
    editor = testing.add_member(org, testing.make_user("ed@example.org", "Ed"), Role.EDITOR)
    services.choose_alert_email(owner, wanted=True)
    services.choose_alert_email(analyst, wanted=True)
    with pytest.raises(PermissionDenied):
        services.choose_alert_email(editor, wanted=True)
    surge = signed(history, 25, network="198.51.100.0/24", domain="gmail.com", at=clock.moment)
    clock.advance(trends.SETTLE + timedelta(seconds=1))
    testing.run_periodic("watch_sources")
    trend = Trend.objects.get(source="198.51.100.0/24")
    assert trend.emailed == 2
    recipients = sorted(str(message["To"]) for message in smtp_server.messages)
    assert recipients == ["alice@example.org", "ana@example.org"]
    body = smtp_server.bodies()[0]
    assert "198.51.100.0/24" in body
    assert f"https://groundswell.example/staff/{org.slug}/trends/{trend.pk}/" in body
    assert surge[0].supporter.email not in body  # nobody's address in a staff email
    # The next minute's run raises nothing new and sends nothing more.
    clock.advance(timedelta(minutes=1))
    testing.run_periodic("watch_sources")
    assert len(smtp_server.messages) == 2
