"""WebSub end to end between two local servers: our site (Django's live server) and a
publisher with its hub (the feed server). The hub checks our intent with a challenge, then
pushes a signed update; the callback stores it without fetching anything."""

from __future__ import annotations

import hashlib
import hmac
import threading
import urllib.error
import urllib.request
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper
from pytest_django.live_server_helper import LiveServer

from groundswell import testing
from groundswell.lib import http, leases
from groundswell.listening import polling, services, websub
from groundswell.listening.models import Monitor, Signal, WebSubDelivery

from . import feeds as samples
from .feedserver import FeedServer, Handler, send, static

pytestmark = pytest.mark.django_db(transaction=True)


class Hub:
    """A hub on the feed server: takes a subscription (202), then checks intent."""

    def __init__(self, server: FeedServer) -> None:
        self.server = server
        self.subscriptions: list[dict[str, str]] = []
        self.verified = threading.Event()
        self.answer = ""
        server.routes["/hub"] = self.route

    def route(self, handler: Handler) -> None:
        form = {k: v[0] for k, v in parse_qs(handler.request_body.decode()).items()}  # type: ignore[attr-defined]
        self.subscriptions.append(form)
        send(handler, 202, b"", "text/plain")
        threading.Thread(target=self.check_intent, args=(form,), daemon=True).start()

    def check_intent(self, form: dict[str, str]) -> None:
        query = {
            "hub.mode": "subscribe",
            "hub.topic": form["hub.topic"],
            "hub.challenge": "a-challenge-42",
            "hub.lease_seconds": "86400",
        }
        with urllib.request.urlopen(f"{form['hub.callback']}?{urlencode(query)}") as answer:
            self.answer = answer.read().decode()
        self.verified.set()

    def publish(self, body: bytes, *, secret: str | None = None) -> int:
        form = self.subscriptions[-1]
        key = (secret or form["hub.secret"]).encode()
        signature = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
        request = urllib.request.Request(
            form["hub.callback"],
            data=body,
            headers={"Content-Type": "application/rss+xml", "X-Hub-Signature": signature},
        )
        try:
            with urllib.request.urlopen(request) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as error:
            return error.code


def _no_fetching(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("nothing may be fetched while a delivery is taken in")


def test_a_feed_naming_a_hub_is_subscribed_verified_and_pushed_to(
    live_server: LiveServer,
    feeds: FeedServer,
    settings: SettingsWrapper,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.SITE_URL = live_server.url
    hub = Hub(feeds)
    one = [("p1", "First post", "Sun, 06 Dec 2026 09:00:00 +0000")]
    topic = feeds.url("/feed")
    document = samples.rss_with_items(one, hub=feeds.url("/hub"), self_url=topic)
    feeds.routes["/feed"] = static(document.encode(), "application/rss+xml")
    owner = testing.membership(*_owner())
    monitor = Monitor.objects.create(
        organisation=owner.organisation,
        kind="feed",
        url=topic,
        next_attempt_at=leases.now(),
    )

    assert polling.poll(monitor.pk).new == 1  # and, on commit, the subscription is asked for

    assert hub.verified.wait(10), "the hub never checked our intent"
    assert hub.answer == "a-challenge-42"
    form = hub.subscriptions[0]
    assert (form["hub.mode"], form["hub.topic"]) == ("subscribe", topic)
    monitor.refresh_from_db()
    assert monitor.websub_verified_until is not None and monitor.hub_url == feeds.url("/hub")

    two = [("p2", "Second post", "Mon, 07 Dec 2026 09:00:00 +0000"), *one]
    update = samples.rss_with_items(two).encode()
    monkeypatch.setattr(http, "get", _no_fetching)
    monkeypatch.setattr(http, "post", _no_fetching)
    assert hub.publish(update, secret="not-the-secret") == 403
    assert hub.publish(update) == 202

    assert set(Signal.objects.values_list("external_id", flat=True)) == {"p1", "p2"}
    assert not WebSubDelivery.objects.exists()


def test_an_intent_check_for_a_topic_we_did_not_ask_for_is_refused(
    live_server: LiveServer, settings: SettingsWrapper
) -> None:
    owner = testing.membership(*_owner())
    Monitor.objects.create(
        organisation=owner.organisation,
        kind="feed",
        url="https://news.example/feed",
        websub_token="tok",
        websub_secret="sec",
        next_attempt_at=leases.now(),
    )
    query = {"hub.mode": "subscribe", "hub.topic": "https://else.example/", "hub.challenge": "c"}

    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{live_server.url}/listening/websub/tok/?{urlencode(query)}")

    assert refused.value.code == 404
    assert Monitor.objects.get().websub_verified_until is None


def _owner() -> tuple[Any, Any]:
    alice = testing.make_user("alice@example.org", "Alice Owner")
    return alice, testing.make_organisation(alice, name="Alice's Rivers", slug="alices")


def test_a_push_for_a_paused_monitor_is_not_heard() -> None:
    owner = testing.membership(*_owner())
    monitor = Monitor.objects.create(
        organisation=owner.organisation,
        kind="feed",
        url="https://news.example/feed",
        state="paused",
        next_attempt_at=leases.now(),
    )
    one = [("p1", "First post", "Sun, 06 Dec 2026 09:00:00 +0000")]
    delivery = WebSubDelivery.objects.create(
        monitor=monitor, body=samples.rss_with_items(one).encode()
    )

    assert websub.process(delivery.pk) == 0
    assert not Signal.objects.exists() and not WebSubDelivery.objects.exists()


def test_pausing_a_pushed_feed_unsubscribes_from_its_hub(
    feeds: FeedServer,
    settings: SettingsWrapper,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.SITE_URL = "https://ours.example"
    feeds.routes["/hub"] = lambda handler: send(handler, 202, b"", "text/plain")
    owner = testing.membership(*_owner())
    monitor = Monitor.objects.create(
        organisation=owner.organisation,
        kind="feed",
        url="https://news.example/feed",
        hub_url=feeds.url("/hub"),
        websub_token="tok",
        websub_secret="sec",
        websub_verified_until=leases.now() + timedelta(days=3),
        next_attempt_at=leases.now(),
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.pause(owner, monitor)

    form = parse_qs(feeds.hits("/hub")[0].body.decode())
    assert form == {
        "hub.callback": ["https://ours.example/listening/websub/tok/"],
        "hub.mode": ["unsubscribe"],
        "hub.topic": ["https://news.example/feed"],
    }
    # The hub's check: answered while paused.
    query = {"hub.mode": "unsubscribe", "hub.topic": monitor.url, "hub.challenge": "bye"}
    assert websub.verify_intent("tok", query) == "bye"
    monitor.refresh_from_db()
    assert monitor.websub_verified_until is None
