"""R3: hostile feeds are refused, each with a clear status on its monitor, and every other
monitor keeps going. Served for real from 127.0.0.1."""

from __future__ import annotations

import io
import time

import pytest
from django.core.management import call_command

from groundswell.accounts.models import Organisation
from groundswell.lib import leases
from groundswell.listening import fetching, polling, signals
from groundswell.listening.models import Monitor, MonitorState, Signal

from . import feeds as samples
from .feedserver import FeedServer, endless, gzip_bomb, redirect, static, trickle

pytestmark = pytest.mark.django_db

ENTITIES = "the feed declares entities or refers to outside documents (refused as unsafe)"


def feed_monitor(org: Organisation, url: str) -> Monitor:
    """A monitor already known to be a feed (as discovery leaves it)."""
    return Monitor.objects.create(
        organisation=org, kind="feed", url=url, next_attempt_at=leases.now()
    )


def poll(monitor: Monitor) -> polling.Outcome:
    outcome = polling.poll(monitor.pk, force=True)
    monitor.refresh_from_db()
    return outcome


@pytest.mark.parametrize(
    ("document", "error"),
    [
        (samples.BILLION_LAUGHS.encode(), ENTITIES),
        (samples.EXTERNAL_ENTITY.encode(), ENTITIES),
        (samples.BAD_ENCODING, "the feed's text encoding cannot be read"),
        (b"<html><body>not a feed</body></html>", "this is not an RSS, Atom or JSON feed"),
        (b'{"version": "1", "items": []}', "this is not an RSS, Atom or JSON feed"),
        (b"[" * 100_000 + b"]" * 100_000, "the JSON feed is nested too deeply"),
    ],
    ids=["billion-laughs", "external-entity", "bad-encoding", "html", "not-json-feed", "deep-json"],
)
def test_a_hostile_document_is_refused_with_a_clear_status(
    org: Organisation, feeds: FeedServer, document: bytes, error: str
) -> None:
    kind = "application/feed+json" if document.startswith(b"[") else "application/rss+xml"
    feeds.routes["/bad"] = static(document, kind)
    monitor = feed_monitor(org, feeds.url("/bad"))

    outcome = poll(monitor)

    assert (outcome.error, monitor.last_error) == (error, error)
    assert monitor.state == MonitorState.FAILING and Signal.objects.count() == 0


def test_an_external_parameter_entity_is_never_fetched(
    org: Organisation, feeds: FeedServer
) -> None:
    feeds.routes["/dtd"] = static(b'<!ENTITY leak "leaked">', "application/xml-dtd")
    document = samples.EXTERNAL_PARAMETER_ENTITY.format(url=feeds.url("/dtd")).encode()
    feeds.routes["/bad"] = static(document, "application/rss+xml")
    monitor = feed_monitor(org, feeds.url("/bad"))

    assert poll(monitor).error == ENTITIES
    assert feeds.hits("/dtd") == []


def test_a_gzip_bomb_stops_at_the_size_limit(org: Organisation, feeds: FeedServer) -> None:
    feeds.routes["/bomb"] = gzip_bomb(64 * 1024 * 1024)  # about 64 KB on the wire
    monitor = feed_monitor(org, feeds.url("/bomb"))

    assert poll(monitor).error == "the response is larger than allowed"


def test_an_oversized_body_is_refused(org: Organisation, feeds: FeedServer) -> None:
    feeds.routes["/huge"] = static(b" " * (fetching.MAX_BYTES + 1), "application/rss+xml")
    monitor = feed_monitor(org, feeds.url("/huge"))

    assert poll(monitor).error == "the response is larger than allowed"


@pytest.mark.parametrize("kind", ["endless", "trickle"])
def test_an_endless_or_slow_stream_ends_at_the_deadline(
    org: Organisation, feeds: FeedServer, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    monkeypatch.setattr(fetching, "DEADLINE_SECONDS", 1.0)
    if kind == "endless":
        # Under the size limit for longer than the deadline: the deadline ends it.
        feeds.routes["/slow"] = endless(feeds.stopping)
        monkeypatch.setattr(fetching, "MAX_BYTES", 1024 * 1024 * 1024)
    else:
        feeds.routes["/slow"] = trickle(feeds.stopping, every=0.05)
    monitor = feed_monitor(org, feeds.url("/slow"))
    started = time.monotonic()

    outcome = poll(monitor)

    assert time.monotonic() - started < 4
    assert outcome.error == "the server did not finish answering in the time allowed"
    assert monitor.state == MonitorState.FAILING


@pytest.mark.parametrize("target", ["http://10.0.0.7/feed", "http://169.254.169.254/latest/"])
def test_a_redirect_to_a_private_address_is_refused(
    org: Organisation, feeds: FeedServer, target: str
) -> None:
    feeds.routes["/moved"] = redirect(target)
    monitor = feed_monitor(org, feeds.url("/moved"))

    assert poll(monitor).error == "the address is private or local and is never fetched"


def test_a_feed_whose_ids_change_every_poll_is_capped_and_flagged(
    org: Organisation, feeds: FeedServer
) -> None:
    calls = {"n": 0}

    def churning(handler):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        items = [
            (f"id-{calls['n']}-{i}", f"Story number {i}", "Sun, 06 Dec 2026 09:00:00 +0000")
            for i in range(80)
        ]
        static(samples.rss_with_items(items).encode(), "application/rss+xml")(handler)

    feeds.routes["/churn"] = churning
    monitor = feed_monitor(org, feeds.url("/churn"))

    first = poll(monitor)
    assert first.new == signals.MAX_NEW_PER_POLL
    assert monitor.notice == "80 new items in one poll: only the first 50 were taken."

    second = poll(monitor)
    # The first 50 under their new ids are the same addresses; the other 30 are over the cap.
    assert second.new == 0
    assert monitor.notice == (
        "Every item had a new id at this poll: the feed's ids seem to change each time."
    )
    assert Signal.objects.count() == signals.MAX_NEW_PER_POLL


def test_an_item_gone_from_among_the_others_is_deleted_here(
    org: Organisation, feeds: FeedServer
) -> None:
    a, b, c, d, e = (
        (guid, guid.upper(), f"{day}, 0{n} Dec 2026 09:00:00 +0000")
        for guid, day, n in (
            ("a", "Sun", 6), ("b", "Sat", 5), ("c", "Fri", 4), ("d", "Mon", 7), ("e", "Tue", 8)
        )
    )  # fmt: skip
    monitor = feed_monitor(org, feeds.url("/feed"))

    def serve(*items: tuple[str, str, str]) -> None:
        document = samples.rss_with_items(list(items)).encode()
        feeds.routes["/feed"] = static(document, "application/rss+xml")
        poll(monitor)

    serve(a, b, c)
    # "b" is deleted upstream: gone from among items older and newer than it.
    serve(d, a, c)
    assert set(Signal.objects.values_list("external_id", flat=True)) == {"a", "c", "d"}
    # "c" falls off the end as the feed moves on: it has aged out, not been deleted.
    serve(e, d, a)
    assert set(Signal.objects.values_list("external_id", flat=True)) == {"a", "c", "d", "e"}


def test_one_hostile_feed_does_not_stop_the_others(org: Organisation, feeds: FeedServer) -> None:
    feeds.routes["/bomb"] = static(samples.BILLION_LAUGHS.encode(), "application/rss+xml")
    feeds.routes["/good"] = static(samples.ATOM.encode(), "application/atom+xml")
    feeds.routes["/gone"] = redirect("http://10.1.2.3/")
    for path in ("/bomb", "/good", "/gone"):
        feed_monitor(org, feeds.url(path))
    out = io.StringIO()

    call_command("monitors", "poll", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines == [
        f"{feeds.url('/bomb')}  Failing, trying again  0 new  {ENTITIES}",
        f"{feeds.url('/good')}  listening  1 new",
        f"{feeds.url('/gone')}  Failing, trying again  0 new  "
        "the address is private or local and is never fetched",
        "Polled 3 monitors.",
    ]
    assert Signal.objects.filter(external_id="tag:fleuve.example,2026:post-7").exists()
