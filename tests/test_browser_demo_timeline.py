"""End to end in a real browser: the demo owner schedules a story to the demo timeline.

alice signs in to the seeded demo, lands on her organisation's dashboard (with its data),
schedules a published story to the built-in demo timeline, the worker's dispatcher runs,
and she sees the post on the timeline page, at 360 px and 1280 px.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from groundswell.accounts.models import User
from groundswell.accounts.services import create_organisation
from groundswell.hub import demo
from groundswell.syndication import tasks
from groundswell.syndication.models import LocalPost, ScheduledPost

from .test_browser_pages_fit import open_staff_page

SHOTS = Path("/tmp/groundswell-orgs-shots")
PASSWORD = "demo-password-for-the-walk"
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
TEXT = "Fresh from the pantry: read Maya's story"


def field(page: Page, label: str) -> Any:
    return page.get_by_label(re.compile(rf"^{re.escape(label)}:?$"))


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/accounts/login/")
    field(page, "Email address").fill(email)
    field(page, "Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.browser
@pytest.mark.parametrize(("width", "options"), [("360", PHONE), ("1280", DESKTOP)])
def test_the_demo_owner_schedules_a_story_to_the_demo_timeline_and_sees_it_posted(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    width: str,
    options: dict[str, Any],
    settings: Settings,
) -> None:
    settings.SITE_URL = live_server.url  # as `demo` does for the address it serves
    demo.seed(PASSWORD)
    base = live_server.url
    page = new_context(**options).new_page()

    sign_in(page, base, "alice@example.org")
    expect(page).to_have_url(f"{base}/staff/riverside-pantry/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(page.get_by_role("heading", name="Recently changed stories")).to_be_visible()
    expect(page.get_by_role("link", name="Warm Homes This Winter")).to_be_visible()
    shoot(page, f"dashboard-{width}")

    open_staff_page(page, "Stories")
    page.get_by_role("link", name="Maya's kitchen, one cold Tuesday").click()
    page.get_by_role("link", name="Schedule posts").click()
    heading = page.get_by_role("heading", name="Schedule on Demo timeline (this site)")
    expect(heading).to_be_visible()
    form = page.locator("form", has=page.locator("input[name=account]")).last
    form.get_by_label(re.compile("^Text")).fill(TEXT)
    due = timezone.localtime() - timedelta(minutes=1)
    form.get_by_label(re.compile("^Goes out at")).fill(due.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_role("button", name="Schedule").click()
    expect(page.get_by_text("The post is scheduled.")).to_be_visible()
    shoot(page, f"scheduled-{width}")
    post = ScheduledPost.objects.get(text=TEXT)
    assert post.state == "scheduled" and post.account.network == "local"

    # What the worker does every 15 seconds (the test backend runs the task at once).
    tasks.dispatch_due_posts.enqueue()
    post.refresh_from_db()
    assert post.state == "sent"
    assert LocalPost.objects.filter(text=TEXT).count() == 1

    page.goto(f"{base}/staff/riverside-pantry/calendar/?start={due.date().isoformat()}")
    page.get_by_role("link", name="See the post").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Demo timeline")
    expect(page.get_by_text(TEXT)).to_be_visible()
    shoot(page, f"timeline-{width}")


@pytest.mark.browser
@pytest.mark.parametrize(("width", "options"), [("360", PHONE), ("1280", DESKTOP)])
def test_a_waiting_organisations_owner_sees_the_approval_banner(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    width: str,
    options: dict[str, Any],
) -> None:
    charlie = User.objects.create_user("charlie@example.org", PASSWORD, name="Charlie")
    create_organisation(name="Charlie's Newcomers", slug="newcomers", owner=charlie)
    page = new_context(**options).new_page()
    sign_in(page, live_server.url, "charlie@example.org")
    expect(page).to_have_url(f"{live_server.url}/staff/newcomers/")
    banner = page.get_by_role("region", name=re.compile("^Not public yet"))
    expect(banner).to_contain_text("nothing of it is public")
    shoot(page, f"waiting-banner-{width}")
    response = page.goto(f"{live_server.url}/o/newcomers/")
    assert response is not None
    assert response.status == 404
