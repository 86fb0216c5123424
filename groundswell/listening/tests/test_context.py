"""What ingestion keeps about an organisation between polls (context.py): whatever staff
change counts from the very next poll, and a poll costs the statements it is meant to."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from groundswell.accounts.models import Membership, Organisation
from groundswell.campaigns.models import Campaign
from groundswell.lib import leases
from groundswell.listening import polling, services
from groundswell.listening.models import Monitor, MutedSource, Signal, SignalState

from . import feeds as samples
from .feedserver import FeedServer, conditional, static

pytestmark = pytest.mark.django_db
Poll = Callable[..., polling.Outcome]


@pytest.fixture
def poll(org: Organisation, feeds: FeedServer) -> Poll:
    monitor = Monitor.objects.create(
        organisation=org, kind="feed", url=feeds.url("/feed"), next_attempt_at=leases.now()
    )

    def serve(newest: int, oldest: int = 1) -> polling.Outcome:
        items = [
            (f"guid-{n}", f"Story {n} about clean rivers", f"Sun, 0{n} Nov 2026 09:00:00 +0000")
            for n in range(newest, oldest - 1, -1)
        ]
        feeds.routes["/feed"] = static(samples.rss_with_items(items).encode(), "text/xml")
        return polling.poll(monitor.pk, force=True)

    return serve


def state_of(n: int) -> str:
    return Signal.objects.get(external_id=f"guid-{n}").state


def rules_of(n: int) -> list[str]:
    return list(Signal.objects.get(external_id=f"guid-{n}").rules.values_list("name", flat=True))


def test_a_source_muted_between_two_polls_is_ignored_from_the_next(
    owner: Membership, poll: Poll
) -> None:
    assert poll(2).new == 2
    # The feed's items name nobody: muting one mutes the feed.
    services.mute(owner, Signal.objects.get(external_id="guid-1"))
    assert poll(4).new == 2
    assert (state_of(3), state_of(4)) == (SignalState.IGNORED, SignalState.IGNORED)

    services.unmute(owner, MutedSource.objects.get())
    assert poll(5).new == 1
    assert state_of(5) == SignalState.NEW


def test_a_rule_added_paused_or_resumed_between_polls_counts_at_the_next(
    owner: Membership, poll: Poll
) -> None:
    assert poll(1).new == 1
    rule = services.add_rule(
        owner, name="Rivers", phrases="clean rivers", exclusions="", language=""
    )
    poll(2)
    services.set_rule_active(owner, rule, False)
    poll(3)
    services.set_rule_active(owner, rule, True)
    poll(4)

    assert [rules_of(n) for n in (1, 2, 3, 4)] == [[], ["Rivers"], [], ["Rivers"]]


def test_a_campaign_published_or_renamed_between_polls_is_linked_from_the_next(
    org: Organisation, poll: Poll
) -> None:
    campaign = Campaign.objects.create(organisation=org, title="Clean rivers", slug="rivers")
    poll(1)  # a draft: nothing is linked to it
    campaign.status = "live"
    campaign.save()
    poll(2)
    campaign.title = "Quiet waters"  # its old title would link the next item
    campaign.save()
    poll(3)
    newer = Campaign.objects.create(
        organisation=org, title="Story 4 about", slug="four", status="live"
    )
    poll(4)

    linked = dict(Signal.objects.values_list("external_id", "campaign"))
    assert linked == {"guid-1": None, "guid-2": campaign.pk, "guid-3": None, "guid-4": newer.pk}


def statements(captured: CaptureQueriesContext) -> list[str]:
    return [query["sql"][:120] for query in captured.captured_queries]


def test_a_poll_costs_a_fixed_number_of_statements(
    org: Organisation, feeds: FeedServer, poll: Poll
) -> None:
    """Counted inside the test's transaction: a poll's own is a savepoint here. Each count
    includes the UPDATE that `force` makes."""
    poll(3)  # the first poll of the monitor and of the organisation reads everything
    with CaptureQueriesContext(connection) as two_new:
        assert poll(5).new == 2
    with CaptureQueriesContext(connection) as none_new:
        assert poll(5).new == 0
    monitor = Monitor.objects.get()
    feeds.routes["/feed"] = conditional(b"", "text/xml", etag='"v1"', modified="")
    Monitor.objects.filter(pk=monitor.pk).update(etag='"v1"')
    with CaptureQueriesContext(connection) as not_modified:
        assert polling.poll(monitor.pk, force=True).status == "not modified"

    assert len(two_new) == 17, statements(two_new)
    assert len(none_new) == 10, statements(none_new)
    assert len(not_modified) == 6, statements(not_modified)


def test_pausing_and_resuming_rules_into_a_set_with_the_same_sums_counts_at_the_next_poll(
    owner: Membership, poll: Poll
) -> None:
    # Seven rules with consecutive ids a … a+6: the active sets {a, a+4, a+5} and
    # {a+1, a+2, a+6} have the same count, sum and sum of squares.
    rules = [
        services.add_rule(owner, name=f"R{n}", phrases=f"story {n}", exclusions="", language="")
        for n in range(7)
    ]
    assert [r.pk - rules[0].pk for r in rules] == list(range(7))
    for n, rule in enumerate(rules):
        services.set_rule_active(owner, rule, n in (0, 4, 5))
    poll(1)
    for n, rule in enumerate(rules):
        services.set_rule_active(owner, rule, n in (1, 2, 6))
    poll(2)  # "Story 2 about clean rivers": rule R2 ("story 2") is active now

    assert (rules_of(1), rules_of(2)) == ([], ["R2"])
