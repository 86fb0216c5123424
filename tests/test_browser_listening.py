"""Listening's staff pages in a real browser with axe-core (which checks at 360 and 1280 px):
add a feed with a mistake first, then a good one; the worker reads it; the signals show,
with no sideways scrolling on a phone."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from groundswell.accounts.models import Membership, User
from groundswell.listening import fetching, polling
from groundswell.listening.models import Monitor
from groundswell.listening.tests import feeds as samples
from groundswell.listening.tests.feedserver import FeedServer, static

from .test_browser_pages_fit import PHONE, sign_in

SHOTS = Path("/tmp/groundswell-shots")
WIDTHS = (360, 1280)


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.stop()


def fits_and_shot(page: Page, name: str) -> None:
    """At each width: nothing wider than the window, and a screenshot to look at."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)


@pytest.mark.browser
def test_a_feed_is_added_read_and_its_signals_listed(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    alice: User,
    owner: Membership,
    axe: Callable[..., None],
    feeds: FeedServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The feed server is 127.0.0.1, as the page's own server: no politeness gap between them.
    monkeypatch.setattr(fetching, "MIN_GAP", timedelta(0))
    body = samples.RSS2.format(self_url=feeds.url("/feed/"), hub="").encode()
    feeds.routes["/feed/"] = static(body, "application/rss+xml")
    page = new_context(**PHONE).new_page()
    sign_in(page, live_server.url, alice)
    SHOTS.mkdir(exist_ok=True)

    page.goto(f"{live_server.url}/staff/alices/listening/monitors/")
    page.get_by_label("Feed or website address").fill("http://10.0.0.1/feed")
    page.get_by_role("button", name="Add the address").click()
    expect(page.locator(".error-summary")).to_be_focused()
    assert page.title().startswith("Error:")
    fits_and_shot(page, "listening-monitor-error")
    axe(page)

    page.set_viewport_size({"width": 360, "height": 800})
    page.get_by_label("Feed or website address").fill(feeds.url("/feed/"))
    page.get_by_role("button", name="Add the address").click()
    expect(page.get_by_role("cell", name="Looking for the site's feeds")).to_be_visible()
    monitor = Monitor.objects.get()
    polling.poll(monitor.pk)  # what the worker does next: the address is a feed
    polling.poll(monitor.pk, force=True)  # and its first poll
    page.reload()
    expect(page.get_by_role("cell", name="Listening", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="2 new")).to_be_visible()
    fits_and_shot(page, "listening-monitors")
    axe(page)

    page.get_by_role("link", name="Signals").click()
    expect(page.get_by_text("Council delays the sewage vote")).to_be_visible()
    expect(page.locator(".signal strong").filter(has_text="Jo Reporter")).to_be_visible()
    fits_and_shot(page, "listening-signals")
    axe(page)
