"""The refused sign-in page in a real browser: the reason and the wait, read first, on a phone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect
from pytest_django.live_server_helper import LiveServer

from groundswell.accounts import signin
from groundswell.accounts.models import User

SHOTS = Path("/tmp/groundswell-shots")


@pytest.mark.browser
@pytest.mark.parametrize("width", [360, 1280])
def test_a_throttled_sign_in_says_why_and_how_long_to_wait(
    live_server: LiveServer, new_context: Callable[..., BrowserContext], alice: User, width: int
) -> None:
    page = new_context(viewport={"width": width, "height": 740}).new_page()
    for attempt in range(signin.ACCOUNT_LIMIT + 1):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Email address").fill(alice.email)
        page.get_by_label("Password").fill(f"wrong guess {attempt}")
        page.get_by_role("button", name="Sign in").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Too many failed sign-ins from your connection. Wait")
    assert page.title().startswith("Error:")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"signin-throttled-{width}.png"), full_page=True)
