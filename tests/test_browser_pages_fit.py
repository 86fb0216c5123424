"""Staff pages on a phone: no sideways page, scrollable tables a keyboard can scroll, and no
inline style that our own CSP would block."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import BrowserContext, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.actions.models import Petition
from groundswell.notifications.models import OutboxMessage
from groundswell.referrals.tests.test_figures import build_tree
from groundswell.stories.services import update_story

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
SHOTS = Path("/tmp/groundswell-shots")
TEMPLATES = Path(settings.BASE_DIR) / "groundswell"


def test_no_template_carries_an_inline_style() -> None:
    """style-src 'self' blocks every style="…" attribute: the browser would ignore it."""
    found = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0)}"
        for path in TEMPLATES.rglob("templates/**/*.html")
        for match in re.finditer(r"\sstyle=\S+", path.read_text())
    ]
    assert found == []


def sign_in(page: Page, base: str, user: User) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(testing.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")


def open_staff_page(page: Page, name: str) -> None:
    """Follow the staff link `name` as a reader at this width does: on a phone through the
    header's "Menu" link to the list at the foot of the page, on a wider screen in the header."""
    menu = page.get_by_role("navigation", name="Site").get_by_role("link", name="Menu")
    if menu.is_visible():
        menu.click()
        page.get_by_role("navigation", name="Staff pages").get_by_role("link", name=name).click()
    else:
        page.get_by_role("navigation", name="Site").get_by_role("link", name=name).click()


@pytest.mark.browser
def test_the_staff_menu_waits_at_the_foot_of_a_phone_screen_and_heads_a_wide_one(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    alice: User,
    owner: Membership,
    axe: Callable[..., None],
) -> None:
    SHOTS.mkdir(exist_ok=True)
    page = new_context(**PHONE).new_page()
    sign_in(page, live_server.url, alice)
    site = page.get_by_role("navigation", name="Site")
    staff_pages = page.get_by_role("navigation", name="Staff pages")
    # On a phone the header is one line of links; the page's own content comes first.
    expect(site.get_by_role("link", name="Moderation")).to_be_hidden()
    header = page.locator("header.site").bounding_box()
    assert header is not None and header["height"] < 140, header
    heading = page.get_by_role("heading", level=1).bounding_box()
    assert heading is not None and heading["y"] < 740 / 2, heading
    site.get_by_role("link", name="Menu").click()
    expect(staff_pages).to_be_in_viewport()
    assert staff_pages.get_by_role("link").count() >= 20
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(SHOTS / "staff-menu-360.png"), full_page=True)
    open_staff_page(page, "Moderation")
    expect(page.get_by_role("heading", level=1)).to_have_text("Moderation queue")
    axe(page)  # 360 px, then 1280 px
    # Wide: the header holds every link, and neither the "Menu" link nor the foot list shows.
    expect(site.get_by_role("link", name="Moderation")).to_be_visible()
    expect(site.get_by_role("link", name="Menu")).to_be_hidden()
    expect(staff_pages).to_be_hidden()
    page.screenshot(path=str(SHOTS / "staff-menu-1280.png"))


@pytest.mark.browser
def test_staff_tables_fit_a_phone_and_scroll_by_keyboard(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    alice: User,
    owner: Membership,
    petition: Petition,
    axe: Callable[..., None],
) -> None:
    build_tree(petition)
    story = testing.make_story(owner, campaign=petition.campaign)
    page = new_context(**PHONE).new_page()
    sign_in(page, live_server.url, alice)
    paths = [
        "evangelists/", "supporters/", "petitions/", "campaigns/", "stories/", "audit/",
        "members/", "api-tokens/", "federation/", "channels/",
        f"stories/{story.pk}/revisions/",
    ]  # fmt: skip
    for path in paths:
        page.goto(f"{live_server.url}/staff/alices/{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (path, width)
        for region in page.locator(".table-scroll").all():
            assert region.get_attribute("tabindex") == "0", path
            assert region.get_attribute("role") == "region", path
            assert region.get_attribute("aria-label"), path
    # The evangelist table is wider than the phone: Tab reaches it, the arrow keys scroll it.
    page.goto(f"{live_server.url}/staff/alices/evangelists/")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "evangelists-360.png"), full_page=True)
    table = page.get_by_role("region", name="Evangelists")
    assert table.evaluate("e => e.scrollWidth > e.clientWidth")
    page.locator("#f-campaign").focus()
    for _ in range(5):
        page.keyboard.press("Tab")
        if table.evaluate("e => e === document.activeElement"):
            break
    expect(table).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    for _ in range(20):  # scrolling may be smooth: give it a moment
        if table.evaluate("e => e.scrollLeft") > 0:
            break
        page.wait_for_timeout(50)
    assert table.evaluate("e => e.scrollLeft") > 0
    axe(page)
    page.goto(f"{live_server.url}/staff/alices/supporters/")
    axe(page)


@pytest.mark.browser
def test_long_texts_wrap_under_the_csp_on_outbox_and_revisions(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    alice: User,
    owner: Membership,
    org: Organisation,
    settings: Settings,
) -> None:
    settings.MAILERS = {"default": {"BACKEND": "groundswell.notifications.backends.OutboxBackend"}}
    long_line = "A line far too long for a phone " * 12
    OutboxMessage.objects.create(
        organisation=org, to="ana@example.net", subject="Hi", body=long_line
    )
    story = testing.make_story(owner, body=long_line)
    update_story(owner, story, {"body": long_line + " edited"})
    page = new_context(**PHONE).new_page()
    violations: list[str] = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    sign_in(page, live_server.url, alice)
    for path in ("outbox/", f"stories/{story.pk}/revisions/"):
        page.goto(f"{live_server.url}/staff/alices/{path}")
        body = page.locator("details[open] pre").first
        expect(body).to_have_css("white-space", "pre-wrap")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
        page.screenshot(path=str(SHOTS / f"fit-{path.split('/')[0]}-360.png"), full_page=True)
    assert violations == []
