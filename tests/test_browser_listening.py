"""Listening's staff pages in a real browser with axe-core (which checks at 360 and 1280 px):
add a feed with a mistake first, then a good one; the worker reads it; the signals show,
with no sideways scrolling on a phone. And the triage board: a mention heard through our
inbox is assigned, answered, and the reply reaches its author's inbox on a local server; a
reply the author's server refused is tried again from a phone without JavaScript."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from groundswell.accounts.models import Membership, User
from groundswell.audit.models import AuditEntry
from groundswell.federation import documents, tasks
from groundswell.federation.tests.peers import MastoActor, Peer
from groundswell.federation.tests.test_listening import create
from groundswell.listening import fetching, polling, services
from groundswell.listening.models import Monitor, ReplyState, Signal, SignalReply, SignalState
from groundswell.listening.tests import feeds as samples
from groundswell.listening.tests.feedserver import FeedServer, static

from .test_browser_moderation import ARTIFACTS, deliver
from .test_browser_pages_fit import PHONE, sign_in

SHOTS = ARTIFACTS
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


@pytest.fixture
def zoe() -> Iterator[MastoActor]:
    server = Peer()
    yield server.add_actor("zoe")
    server.stop()


@pytest.mark.browser
def test_a_mention_is_assigned_and_answered_and_the_reply_reaches_the_authors_inbox(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    alice: User,
    owner: Membership,
    bob: User,
    zoe: MastoActor,
    axe: Callable[..., None],
) -> None:
    organisation = owner.organisation
    actor = documents.actor_uri(organisation)
    mention = create(
        zoe,
        7,
        cc=[actor],
        tag=[{"type": "Mention", "href": actor, "name": "@alices"}],
        content="<p>@alices when does the river clean-up start?</p>",
    )
    deliver(zoe, mention)  # the inbox stores it; the test backend processes it at once
    signal = Signal.objects.get()
    page = new_context(**PHONE).new_page()
    sign_in(page, live_server.url, alice)
    ARTIFACTS.mkdir(exist_ok=True)

    # The board, on a phone: the mention waits, with its ways in.
    page.goto(f"{live_server.url}/staff/alices/listening/")
    expect(page.get_by_text("when does the river clean-up start?")).to_be_visible()
    fits_and_shot(page, "listening-board")
    axe(page)
    page.set_viewport_size({"width": 360, "height": 800})

    # Signal → assign to Bob.
    page.get_by_role("link", name="Triage").click()
    page.get_by_label("Assign to").select_option(label="Bob Editor")
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Assigned to Bob Editor.")
    expect(page.get_by_text("It is Assigned. Mark it:")).to_be_visible()
    fits_and_shot(page, "listening-signal")
    axe(page)
    page.set_viewport_size({"width": 360, "height": 800})

    # → reply: an empty one is refused the GOV.UK way, then the words go.
    page.get_by_role("link", name="Reply on the fediverse").click()
    page.get_by_role("button", name="Send the reply").click()
    expect(page.locator(".error-summary")).to_be_focused()
    assert page.title().startswith("Error:")
    fits_and_shot(page, "listening-reply-error")
    axe(page)
    page.set_viewport_size({"width": 360, "height": 800})
    page.get_by_label("Your reply").fill("Saturday at ten, by the old bridge. Bring boots!")
    page.get_by_role("button", name="Send the reply").click()
    expect(page.get_by_role("status")).to_contain_text("Your reply is on its way.")
    expect(page.get_by_text("Being sent")).to_be_visible()
    signal.refresh_from_db()
    assert (signal.state, signal.assignee) == (SignalState.ANSWERED, bob)

    # The worker's federation sweep sends it: a Create(Note) reaches Zoe's inbox.
    zoe.peer.received.clear()
    tasks.sweep()
    [delivered] = zoe.peer.received  # the peer records POSTs only
    assert delivered.path == "/inbox" or delivered.path.endswith("/inbox")
    note = delivered.json["object"]
    assert delivered.json["type"] == "Create" and note["inReplyTo"] == f"{zoe.uri}/statuses/7"
    assert "Saturday at ten" in note["content"] and note["attributedTo"] == actor
    assert SignalReply.objects.get().state == ReplyState.SENT
    page.reload()
    expect(page.get_by_text("Sent", exact=True)).to_be_visible()
    fits_and_shot(page, "listening-signal-answered")
    axe(page)

    # Bob, on a phone with no JavaScript, finds it among his and marks it done.
    plain = new_context(**PHONE, java_script_enabled=False).new_page()
    sign_in(plain, live_server.url, bob)
    plain.goto(f"{live_server.url}/staff/alices/listening/?show=mine")
    plain.get_by_role("link", name="Triage").click()
    plain.get_by_role("button", name="Done", exact=True).click()
    expect(plain.get_by_role("status")).to_contain_text("Marked done.")
    signal.refresh_from_db()
    assert signal.state == SignalState.DONE
    fits_and_shot(plain, "listening-signal-done-no-js")


@pytest.mark.browser
def test_a_reply_the_authors_server_refused_is_tried_again_from_a_phone_without_javascript(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    alice: User,
    owner: Membership,
    zoe: MastoActor,
    axe: Callable[..., None],
) -> None:
    organisation = owner.organisation
    actor = documents.actor_uri(organisation)
    mention = create(
        zoe,
        8,
        cc=[actor],
        tag=[{"type": "Mention", "href": actor, "name": "@alices"}],
        content="<p>@alices is the clean-up still on?</p>",
    )
    deliver(zoe, mention)
    answer = services.reply(owner, Signal.objects.get(), "Yes: Saturday at ten, by the bridge.")
    zoe.peer.status = 403  # Zoe's server says no: the delivery gives up at once
    tasks.sweep()  # sends it, and its delivery gives up
    tasks.sweep()  # finds it given up: the reply failed
    answer.refresh_from_db()
    assert answer.state == ReplyState.FAILED
    ARTIFACTS.mkdir(exist_ok=True)
    page = new_context(**PHONE).new_page()
    sign_in(page, live_server.url, alice)

    page.goto(f"{live_server.url}/staff/alices/listening/?show=failed")
    expect(page.get_by_text("is the clean-up still on?")).to_be_visible()
    page.get_by_role("link", name="Triage").click()
    expect(page.get_by_text("Could not be sent", exact=True)).to_be_visible()
    expect(page.get_by_text("the inbox answered 403")).to_be_visible()
    fits_and_shot(page, "listening-reply-failed")
    axe(page)
    signal_page = page.url

    # The button is a plain form: a phone without JavaScript tries it again.
    zoe.peer.status = 202
    zoe.peer.received.clear()
    plain = new_context(**PHONE, java_script_enabled=False).new_page()
    sign_in(plain, live_server.url, alice)
    plain.goto(signal_page)
    plain.get_by_role("button", name="Try sending it again").click()
    expect(plain.get_by_role("status")).to_contain_text("The reply is queued again")
    expect(plain.get_by_text("Being sent")).to_be_visible()
    expect(plain.get_by_role("button", name="Try sending it again")).to_have_count(0)
    fits_and_shot(plain, "listening-reply-retried-no-js")
    assert AuditEntry.objects.filter(action="listening.reply_retried").count() == 1

    tasks.sweep()
    [delivered] = zoe.peer.received
    assert "Saturday at ten" in delivered.json["object"]["content"]
    page.reload()
    expect(page.get_by_text("Sent", exact=True)).to_be_visible()
    axe(page)
