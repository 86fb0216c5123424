"""Real-world-shaped feeds from a real server on 127.0.0.1, read by the worker's own code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from groundswell import testing
from groundswell.accounts.models import Organisation
from groundswell.listening import fetching, polling, services
from groundswell.listening.models import HostSlot, Monitor, MonitorState, Signal

from . import feeds as samples
from .feedserver import FeedServer, conditional, static, status

pytestmark = pytest.mark.django_db


def listen(org: Organisation, url: str) -> Monitor:
    """A monitor added as staff add one, read once (it finds the address is a feed)."""
    monitor = services.add_address(org, url)
    polling.poll(monitor.pk, force=True)
    monitor.refresh_from_db()
    return monitor


def poll(monitor: Monitor) -> polling.Outcome:
    outcome = polling.poll(monitor.pk, force=True)
    monitor.refresh_from_db()
    return outcome


def test_it_reads_an_rss_2_feed_into_normalised_sanitised_signals(
    org: Organisation, feeds: FeedServer
) -> None:
    body = samples.RSS2.format(self_url=feeds.url("/feed/"), hub="").encode()
    feeds.routes["/feed/"] = static(body, "application/rss+xml; charset=UTF-8")
    monitor = listen(org, feeds.url("/feed/"))
    assert monitor.state == MonitorState.ACTIVE and monitor.url == feeds.url("/feed/")

    outcome = poll(monitor)

    assert (outcome.new, monitor.title, monitor.last_error) == (2, "Riverside Gazette", "")
    vote = Signal.objects.get(external_id="https://gazette.example/?p=101")
    assert vote.author_name == "Jo Reporter"
    assert vote.language == "en-GB"
    assert vote.published_at == datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    assert vote.canonical_url == "https://gazette.example/2026/12/sewage-vote"
    assert "<strong>clean rivers</strong>" in vote.content_html
    assert "script" not in vote.content_html and "<img" not in vote.content_html
    assert 'rel="nofollow noopener ugc"' in vote.content_html
    assert "alert" not in vote.text and "put off again" in vote.text


def test_it_reads_atom_rss_1_and_json_feed(org: Organisation, feeds: FeedServer) -> None:
    feeds.routes["/atom"] = static(samples.ATOM.encode(), "application/atom+xml")
    feeds.routes["/rdf"] = static(samples.RSS1.encode(), "application/rdf+xml")
    feeds.routes["/feed.json"] = static(samples.JSON_FEED.encode(), "application/feed+json")
    for path in ("/atom", "/rdf", "/feed.json"):
        assert poll(listen(org, feeds.url(path))).error == ""

    atom = Signal.objects.get(external_id="tag:fleuve.example,2026:post-7")
    assert (atom.author_name, atom.language, atom.title) == (
        "Camille Auteur",
        "fr",
        "Les rivières propres",
    )
    assert atom.text == "Nous demandons des rivières propres."
    rdf = Signal.objects.get(external_id="https://journal.example/a/42")
    assert rdf.author_name == "A. Scientist" and "twelve rivers" in rdf.text
    note = Signal.objects.get(external_id="https://notes.example/2026/12/06/river.html")
    assert (note.author_name, note.language) == ("Pat Notes", "en")
    plain = Signal.objects.get(external_id="2")
    assert plain.content_html == "<p>Plain text note &amp; more</p>"
    assert plain.text == "Plain text note & more"


def test_an_rss_0_91_feed_with_its_public_doctype_is_read(
    org: Organisation, feeds: FeedServer
) -> None:
    feeds.routes["/old.rss"] = static(samples.RSS091_WITH_DOCTYPE.encode(), "text/xml")

    outcome = poll(listen(org, feeds.url("/old.rss")))

    assert (outcome.new, outcome.error) == (1, "")
    # The DTD the DOCTYPE names is never fetched.
    assert [seen.path for seen in feeds.requests] == ["/old.rss", "/old.rss"]


def test_a_site_address_waits_as_discovering_and_the_worker_finds_its_feeds(
    org: Organisation, feeds: FeedServer
) -> None:
    page = samples.SITE_PAGE.format(atom=feeds.url("/comments.atom")).encode()
    feeds.routes["/"] = static(page, "text/html; charset=utf-8")
    monitor = services.add_address(org, feeds.url("/"))
    assert monitor.state == MonitorState.DISCOVERING and feeds.requests == []

    outcome = polling.poll(monitor.pk)

    assert outcome.found == [
        feeds.url("/feed/"),
        feeds.url("/comments.atom"),
        feeds.url("/feed.json"),
    ]
    monitors = Monitor.objects.filter(organisation=org).order_by("pk")
    assert [(m.url, m.site_url, m.state) for m in monitors] == [
        (feeds.url(path), feeds.url("/"), MonitorState.ACTIVE)
        for path in ("/feed/", "/comments.atom", "/feed.json")
    ]


def test_a_page_naming_no_feed_says_so(org: Organisation, feeds: FeedServer) -> None:
    feeds.routes["/plain"] = static(samples.PAGE_WITHOUT_FEEDS.encode(), "text/html")

    monitor = listen(org, feeds.url("/plain"))

    assert monitor.state == MonitorState.NO_FEED
    assert monitor.last_error == "the page names no RSS, Atom or JSON feed"
    assert Monitor.objects.due(monitor.next_attempt_at + timedelta(days=1)).count() == 0


def test_a_conditional_get_saves_the_body_and_stores_nothing_twice(
    org: Organisation, feeds: FeedServer
) -> None:
    body = samples.ATOM.encode()
    modified = "Sun, 06 Dec 2026 10:00:00 GMT"
    feeds.routes["/atom"] = conditional(
        body, "application/atom+xml", etag='"v1"', modified=modified
    )
    monitor = listen(org, feeds.url("/atom"))
    assert poll(monitor).new == 1
    assert (monitor.etag, monitor.last_modified) == ('"v1"', modified)

    outcome = poll(monitor)

    last = feeds.requests[-1]
    assert (last.headers["if-none-match"], last.headers["if-modified-since"]) == ('"v1"', modified)
    assert (outcome.status, outcome.new, Signal.objects.count()) == ("not modified", 0, 1)
    assert monitor.state == MonitorState.ACTIVE


def test_429_with_retry_after_waits_as_long_as_the_server_asks(
    org: Organisation, feeds: FeedServer, clock: testing.FakeClock
) -> None:
    feeds.routes["/feed"] = static(samples.ATOM.encode(), "application/atom+xml")
    monitor = listen(org, feeds.url("/feed"))
    feeds.routes["/feed"] = status(429, Retry_After="7200")

    outcome = poll(monitor)

    assert outcome.error == "the server asked us to slow down (429 Too Many Requests)"
    assert monitor.state == MonitorState.FAILING
    assert monitor.next_attempt_at >= clock.moment + timedelta(hours=2)
    # The host's slot holds the server's word for every monitor on it.
    slot = HostSlot.objects.get(host="127.0.0.1")
    assert slot.not_before is not None and slot.not_before >= clock.moment + timedelta(hours=2)


def test_cache_control_max_age_puts_the_next_poll_later(
    org: Organisation, feeds: FeedServer, clock: testing.FakeClock
) -> None:
    feeds.routes["/feed"] = static(
        samples.ATOM.encode(), "application/atom+xml", **{"Cache-Control": "public, max-age=7200"}
    )
    monitor = listen(org, feeds.url("/feed"))

    poll(monitor)

    assert monitor.next_attempt_at == clock.moment + timedelta(hours=2)


def test_the_interval_shortens_with_news_and_lengthens_without(
    org: Organisation, feeds: FeedServer
) -> None:
    feeds.routes["/feed"] = static(samples.ATOM.encode(), "application/atom+xml")
    monitor = listen(org, feeds.url("/feed"))
    start = monitor.interval_seconds

    poll(monitor)
    assert monitor.interval_seconds == start // 2
    poll(monitor)
    assert monitor.interval_seconds == start // 2 * 3 // 2


def test_failures_back_off_then_open_the_breaker_with_the_reason_shown(
    org: Organisation, feeds: FeedServer, clock: testing.FakeClock
) -> None:
    feeds.routes["/feed"] = static(samples.ATOM.encode(), "application/atom+xml")
    monitor = listen(org, feeds.url("/feed"))
    feeds.routes["/feed"] = status(410)
    waits = []
    for _ in range(polling.BREAKER.threshold):
        poll(monitor)
        waits.append(monitor.next_attempt_at - clock.moment)

    assert monitor.state == MonitorState.RESTING
    assert monitor.last_error == "the server says it is not there (410)"
    assert waits == sorted(waits) and waits[-1] == polling.BREAKER.pause
    assert monitor.consecutive_failures == polling.BREAKER.threshold

    feeds.routes["/feed"] = static(samples.ATOM.encode(), "application/atom+xml")
    poll(monitor)
    assert (monitor.state, monitor.consecutive_failures, monitor.last_error) == (
        MonitorState.ACTIVE,
        0,
        "",
    )


def test_one_request_at_a_time_per_host_and_a_gap_between(
    org: Organisation, feeds: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fetching, "MIN_GAP", timedelta(minutes=1))
    feeds.routes["/a"] = static(samples.ATOM.encode(), "application/atom+xml")
    feeds.routes["/b"] = static(samples.RSS1.encode(), "application/rdf+xml")
    first = services.add_address(org, feeds.url("/a"))
    second = services.add_address(org, feeds.url("/b"))

    assert polling.poll(first.pk).status == "feeds found"
    outcome = polling.poll(second.pk)

    assert outcome.status == "waiting for its host"
    assert [seen.path for seen in feeds.requests] == ["/a"]
    second.refresh_from_db()
    slot = HostSlot.objects.get(host="127.0.0.1")
    assert second.next_attempt_at == slot.not_before
    assert (second.consecutive_failures, second.state) == (0, MonitorState.DISCOVERING)


def test_retry_after_is_read_as_seconds_or_a_date_and_capped(clock: testing.FakeClock) -> None:
    later = clock.moment + timedelta(minutes=30)
    assert fetching.read_retry_after("120") == clock.moment + timedelta(seconds=120)
    assert fetching.read_retry_after(samples_date(later)) == later.replace(microsecond=0)
    assert fetching.read_retry_after("999999999") == clock.moment + fetching.LONGEST_WAIT
    assert fetching.read_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == clock.moment
    assert fetching.read_retry_after("soon") is None
    assert fetching.max_age("no-cache, max-age=60") == timedelta(seconds=60)
    assert fetching.max_age("no-store") is None


def samples_date(moment: datetime) -> str:
    from .feedserver import http_date

    return http_date(moment.astimezone(UTC))
