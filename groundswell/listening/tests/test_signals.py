"""One stream: deduplicated, tagged by keyword rules, linked to campaigns; and the
fediverse hashtag timeline as a source."""

from __future__ import annotations

import hashlib
import random
from datetime import timedelta

import pytest

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation
from groundswell.lib import leases
from groundswell.listening import dedupe, polling, rules, services, signals
from groundswell.listening.models import KeywordRule, Monitor, Signal, SignalSource
from groundswell.listening.parsing import Item

from . import feeds as samples
from .feedserver import FeedServer, static, status

pytestmark = pytest.mark.django_db

LONG = (
    "The council has put off its vote on the sewage outflow at Mill Lane again, and the "
    "campaigners say they will march on the town hall on Saturday morning"
)


def item(external_id: str, text: str, url: str = "", language: str = "") -> Item:
    return Item(external_id=external_id, url=url, content_html=f"<p>{text}</p>", language=language)


def test_the_same_address_from_two_sources_is_one_signal(org: Organisation) -> None:
    first = item("feed-1", "Vote delayed", "https://news.example/vote/?utm_source=rss")
    second = item("tag-1", "Vote delayed!", "http://www.news.example/vote#top")

    assert signals.ingest(org, SignalSource.FEED, [first]).new == 1
    result = signals.ingest(org, SignalSource.HASHTAG, [second])

    assert (result.new, result.duplicates, Signal.objects.count()) == (0, 1, 1)


def test_nearly_the_same_words_are_linked_to_the_first_heard(org: Organisation) -> None:
    signals.ingest(org, SignalSource.FEED, [item("a", LONG, "https://one.example/a")])
    changed = LONG.replace("Saturday", "Sunday")
    other = "A bakery on the high street won the county prize for its sourdough loaf this year"

    signals.ingest(
        org,
        SignalSource.HASHTAG,
        [item("b", changed, "https://two.example/b"), item("c", other, "https://two.example/c")],
    )

    first = Signal.objects.get(external_id="a")
    assert Signal.objects.get(external_id="b").duplicate_of == first
    assert Signal.objects.get(external_id="c").duplicate_of is None


def test_the_near_duplicate_threshold_is_as_documented() -> None:
    one_word = LONG.replace("Saturday", "Sunday")
    rewritten = (
        "Campaigners plan a march on the town hall after the council again delayed the vote "
        "on the Mill Lane sewage outflow"
    )
    similarity = dedupe.jaccard(dedupe.shingles(LONG), dedupe.shingles(one_word))
    assert 0.75 < similarity < 0.9  # "one word changed in a 30-word post leaves about 0.8"
    assert dedupe.near(LONG, one_word) and not dedupe.near(LONG, rewritten)
    # The fingerprint lets the near one through to the word-for-word comparison.
    assert dedupe.candidate(dedupe.simhash(LONG), dedupe.simhash(one_word), short=False)
    # Short texts must match exactly: "Vote now" and "Vote no" are not the same post.
    assert not dedupe.near("Vote now", "Vote no")
    assert dedupe.near("Vote now!", "vote NOW")


def test_keyword_rules_tag_by_phrase_hashtag_exclusion_and_language(org: Organisation) -> None:
    rivers = KeywordRule.objects.create(
        organisation=org, name="Rivers", phrases="clean rivers\n#saveriverlea", exclusions="advert"
    )
    french = KeywordRule.objects.create(
        organisation=org, name="Français", phrases="rivières propres", language="fr"
    )
    KeywordRule.objects.create(organisation=org, name="Off", phrases="clean", active=False)
    signals.ingest(
        org,
        SignalSource.FEED,
        [
            item("1", "We want CLEAN rivers!", language="en"),
            item("2", "Join #SaveRiverLea today"),
            item("3", "Clean rivers advert: buy our filter"),
            item("4", "cleanrivers is one word"),
            item("5", "Nous voulons des rivières propres", language="fr-FR"),
            item("6", "Nous voulons des rivières propres"),
            item("7", "saveriverlea without the hash"),
        ],
    )

    tagged = {
        signal.external_id: sorted(rule.name for rule in signal.rules.all())
        for signal in Signal.objects.prefetch_related("rules")
    }
    assert tagged == {
        "1": ["Rivers"],
        "2": ["Rivers"],
        "3": [],
        "4": [],
        "5": ["Français"],
        "6": [],
        "7": [],
    }
    assert french.signals.count() == 1 and rivers.signals.count() == 2


def test_a_signal_is_linked_to_the_campaign_it_names(owner: Membership) -> None:
    org = owner.organisation
    campaign = testing.make_campaign(owner, title="Save River Lea", slug="save-river-lea")
    campaign.status = "live"
    campaign.save(update_fields=["status"])
    testing.make_campaign(owner, title="Draft idea", slug="draft-idea", status="draft")
    page = "https://ours.example" + campaign.get_absolute_url()
    signals.ingest(
        org,
        SignalSource.FEED,
        [
            item("title", "Good news for Save River Lea today"),
            item("tag", "Marching with #saveriverlea"),
            item("link", f'Read <a href="{page}">this</a>'),
            item("draft", "A Draft idea is not public"),
            item("none", "Nothing to do with it"),
        ],
    )

    linked = dict(Signal.objects.values_list("external_id", "campaign"))
    assert linked == {
        "title": campaign.pk,
        "tag": campaign.pk,
        "link": campaign.pk,
        "draft": None,
        "none": None,
    }


def test_a_hashtag_timeline_is_read_with_follower_counts_and_then_only_newer_posts(
    org: Organisation, feeds: FeedServer
) -> None:
    path = "/api/v1/timelines/tag/saveriverlea"
    feeds.routes[path] = static(samples.MASTODON_TAG.encode(), "application/json")
    monitor = Monitor.objects.create(
        organisation=org,
        kind="hashtag",
        server=feeds.base,
        hashtag="saveriverlea",
        next_attempt_at=leases.now(),
    )

    assert polling.poll(monitor.pk).new == 2
    friend = Signal.objects.get(source="hashtag", language="en")
    assert (friend.author_name, friend.author_handle, friend.follower_count) == (
        "River Friend",
        "@river_friend@social.example",
        321,
    )
    assert friend.url == "https://social.example/@river_friend/113500000000000002"
    assert "Who is joining the march" in friend.text

    polling.poll(monitor.pk, force=True)
    assert feeds.hits(path)[0].path == path + "?limit=40"
    assert feeds.hits(path)[1].path == path + "?limit=40&since_id=113500000000000002"
    assert Signal.objects.count() == 2


def test_a_server_that_keeps_its_hashtags_private_says_so(
    org: Organisation, feeds: FeedServer
) -> None:
    monitor = Monitor.objects.create(
        organisation=org,
        kind="hashtag",
        server=feeds.base,
        hashtag="closed",
        next_attempt_at=leases.now() - timedelta(seconds=1),
    )
    # Mastodon with its public timelines closed to visitors answers 401.
    feeds.routes["/api/v1/timelines/tag/closed"] = status(401)

    outcome = polling.poll(monitor.pk)

    assert outcome.error == "the server refuses to share it without signing in (401)"
    monitor.refresh_from_db()
    assert monitor.last_error == outcome.error


def test_a_paused_monitor_is_not_polled_and_resuming_makes_it_due(owner: Membership) -> None:
    monitor = services.add_feed(owner, "https://news.example/feed/")
    services.pause(owner, monitor)
    assert polling.poll(monitor.pk, force=True).status == "not polled"

    monitor.refresh_from_db()
    services.resume(owner, monitor)
    monitor.refresh_from_db()
    assert monitor.state == "discovering"
    assert Monitor.objects.due(leases.now()).filter(pk=monitor.pk).exists()


def _simhash_bit_by_bit(text: str) -> int:
    """The simhash as its definition reads, one bit of one hash at a time."""
    features = dedupe.shingles(text)
    if not features:
        return 0
    weights = [0] * 64
    for feature in features:
        value = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "big")
        for bit in range(64):
            weights[bit] += 1 if value >> bit & 1 else -1
    result = sum(1 << bit for bit in range(64) if weights[bit] > 0)
    return result - (1 << 64) if result >= 1 << 63 else result or 1


@pytest.mark.parametrize(
    "text",
    [LONG, "", "one", "short text of few words", "बाढ़ का पानी सड़क पर " * 7, LONG.upper() + " x"],
)
def test_the_fingerprint_is_the_simhash_of_its_definition(text: str) -> None:
    # Stored fingerprints were made by the bit-by-bit loop: the fast one must agree exactly.
    assert dedupe.simhash(text) == _simhash_bit_by_bit(text)


def test_fingerprints_of_random_texts_agree_with_the_definition() -> None:
    rng = random.Random(5)
    vocabulary = [f"w{n}" for n in range(300)]
    for _ in range(200):
        text = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(1, 80)))
        assert dedupe.simhash(text) == _simhash_bit_by_bit(text)


@pytest.mark.parametrize(
    "text",
    [LONG, "", "#CleanAir now!", "a#b ##tag #Tag2_x", "Ça va, #ÉCOLE? École", "x_y #_ 12#3"],
)
def test_a_signal_read_once_for_its_fingerprint_matches_rules_as_read_alone(text: str) -> None:
    # Ingestion hands the rules the words dedupe read (one tokenising for both).
    shared = rules.Words.of(text, "en", bare=dedupe.words(text))
    alone = rules.Words.of(text, "en")
    tags = {token for token in rules.tokens(text) if token.startswith("#")}
    assert (shared.bare, shared.hashtags) == (alone.bare, alone.hashtags)
    assert shared.bare == [token.lstrip("#") for token in rules.tokens(text)]
    assert shared.hashtags == tags
