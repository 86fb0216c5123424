"""Storing a poll's items in bulk: nothing lost, nothing twice, and the fields the fast
parser leaves out still read."""

from __future__ import annotations

import pytest

from groundswell.accounts.models import Organisation
from groundswell.lib import leases
from groundswell.listening import feedxml, parsing, polling, signals
from groundswell.listening.models import KeywordRule, Monitor, Signal, SignalSource
from groundswell.listening.parsing import Item

from . import feeds as samples
from .feedserver import FeedServer, static

pytestmark = pytest.mark.django_db

WORDS = (
    "The council has put off its vote on the sewage outflow at Mill Lane again and the "
    "campaigners say they will march on the town hall on {day} morning"
)


def dated(n: int) -> tuple[str, str, str]:
    return (
        f"guid-{n}",
        f"Story {n} about clean rivers",
        f"Sun, 0{n % 9 + 1} Nov 2026 09:00:00 +0000",
    )


def test_a_feed_polled_again_stores_nothing_twice_and_only_its_new_items(
    org: Organisation, feeds: FeedServer
) -> None:
    KeywordRule.objects.create(organisation=org, name="Rivers", phrases="clean rivers")
    monitor = Monitor.objects.create(
        organisation=org, kind="feed", url=feeds.url("/feed"), next_attempt_at=leases.now()
    )

    def serve(numbers: range) -> polling.Outcome:
        items = [dated(n) for n in numbers]
        feeds.routes["/feed"] = static(samples.rss_with_items(items).encode(), "text/xml")
        return polling.poll(monitor.pk, force=True)

    assert serve(range(5, 0, -1)).new == 5
    assert serve(range(5, 0, -1)).new == 0
    assert serve(range(7, 2, -1)).new == 2

    stored = list(Signal.objects.order_by("external_id").values_list("external_id", flat=True))
    assert stored == [f"guid-{n}" for n in range(1, 8)]
    # Each tagged once by the rule, whichever poll brought it.
    assert Signal.rules.through.objects.count() == 7


def test_one_item_the_database_refuses_does_not_lose_the_others(org: Organisation) -> None:
    items = [
        Item(external_id="a", content_html="<p>First good one</p>"),
        # A follower count below zero breaks the column's check on either database.
        Item(external_id="b", content_html="<p>Refused one</p>", follower_count=-1),
        Item(external_id="c", content_html="<p>Second good one</p>"),
    ]

    result = signals.ingest(org, SignalSource.HASHTAG, items)

    assert result.new == 2
    assert sorted(Signal.objects.values_list("external_id", flat=True)) == ["a", "c"]
    # Heard again with the bad one mended, it is stored and the others are not doubled.
    items[1].follower_count = 3
    assert signals.ingest(org, SignalSource.HASHTAG, items).new == 1
    assert Signal.objects.count() == 3


def test_a_near_duplicate_in_the_same_poll_is_linked_to_the_first(org: Organisation) -> None:
    items = [
        Item(
            external_id="1", url="https://one.example/1", content_html=WORDS.format(day="Saturday")
        ),
        Item(external_id="2", url="https://two.example/2", content_html=WORDS.format(day="Sunday")),
        Item(external_id="3", url="https://one.example/1?utm_source=x", content_html="Same page"),
    ]

    result = signals.ingest(org, SignalSource.FEED, items)

    assert (result.new, result.duplicates) == (2, 1)
    first = Signal.objects.get(external_id="1")
    assert first.duplicate_of is None
    assert Signal.objects.get(external_id="2").duplicate_of == first


def test_what_the_fast_parser_leaves_out_is_still_read() -> None:
    hub = '<atom:link rel="hub" href="https://hub.example/"/>'
    rss = samples.RSS2.format(self_url="https://gazette.example/feed/", hub=hub).encode()
    # An item with no date whose id reads as one ("7"): it gets no date.
    undated = samples.rss_with_items([("7", "No date here", "")]).encode()

    assert feedxml.read(rss) is not None and feedxml.read(samples.ATOM.encode()) is not None
    gazette = parsing.parse(rss)
    assert (gazette.hub, gazette.self_url, gazette.language) == (
        "https://hub.example/",
        "https://gazette.example/feed/",
        "en-GB",
    )
    atom = parsing.parse(samples.ATOM.encode()).items[0]
    assert (atom.author_name, atom.author_url) == (
        "Camille Auteur",
        "https://fleuve.example/camille",
    )
    assert parsing.parse(undated).items[0].published_at is None


def test_a_document_the_fast_parser_does_not_pair_goes_to_feedparser() -> None:
    # RSS 0.90: its own namespace, which fastfeedparser does not read as RSS 1.0.
    old = (
        b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        b' xmlns="http://my.netscape.com/rdf/simple/0.9/"><channel><title>Old</title>'
        b"<link>https://old.example/</link><description>d</description></channel>"
        b"<item><title>First</title><link>https://old.example/1</link></item></rdf:RDF>"
    )

    assert feedxml.read(old) is None
    document = parsing.parse(old)
    assert [(item.external_id, item.title) for item in document.items] == [
        ("https://old.example/1", "First")
    ]


def test_a_parsed_body_is_sanitised_before_anything_reads_it() -> None:
    body = samples.RSS2.format(self_url="", hub="").encode()
    item = parsing.parse(body).items[0]

    assert item.content_html == ""  # not yet: only the items not heard before are cleaned
    assert "put off again" in item.text and "alert" not in item.text
    assert (
        "<script" not in item.content_html and "<strong>clean rivers</strong>" in item.content_html
    )


@pytest.mark.parametrize(
    "text",
    [
        "  Jo   Reporter ",
        "a > b",
        "tab\tand\nnew line",
        "nbsp\u00a0here",
        "中文 🙂",
        "'quoted\"",
        "\ufeffmark first",
    ],
)
def test_a_short_text_without_markup_reads_as_nh3_would_read_it(text: str) -> None:
    import html

    import nh3

    assert parsing._short(text, 300) == " ".join(html.unescape(nh3.clean(text, tags=set())).split())
