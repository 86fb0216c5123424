"""In a real browser, without JavaScript: an owner connects Mastodon, the page says the account
is being checked, the worker checks it, and a reload shows the result (issue 9, item 1)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest
from django.tasks import default_task_backend
from django.tasks.backends.dummy import DummyBackend
from playwright.sync_api import BrowserContext, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from groundswell.hub import demo
from groundswell.syndication import tasks
from groundswell.syndication.models import ChannelAccount
from groundswell.syndication.tests.fakes import TOKEN, FakeMastodon

from .test_browser_demo_timeline import DESKTOP, PASSWORD, PHONE, sign_in

SHOTS = Path("/tmp/groundswell-orgs-shots")


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def play_the_worker() -> None:
    # The live server's thread has its own task backend, so the recorded tasks are not
    # visible here: run the check for every account still being checked, as the worker would.
    for pk in ChannelAccount.objects.filter(state="checking").values_list("pk", flat=True):
        tasks.check_account.call(pk)


def connect(page: Page, server: str, token: str) -> None:
    form = page.locator("form", has=page.locator('input[name="network"][value="mastodon"]'))
    form.get_by_label(re.compile("^Server")).fill(server)
    form.get_by_label(re.compile("^Access token")).fill(token)
    form.get_by_role("button", name="Connect Mastodon").click()


@pytest.mark.browser
@pytest.mark.parametrize(("width", "options"), [("360", PHONE), ("1280", DESKTOP)])
def test_an_owner_sees_the_check_and_its_result_after_a_reload_without_javascript(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    width: str,
    options: dict[str, Any],
    settings: Settings,
) -> None:
    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.dummy.DummyBackend",
            "QUEUES": settings.TASK_QUEUES,
        }
    }
    # The proxy stands for the DummyBackend configured just above.
    cast(DummyBackend, default_task_backend).clear()
    settings.SITE_URL = live_server.url
    demo.seed(PASSWORD)
    mastodon = FakeMastodon()
    try:
        page = new_context(java_script_enabled=False, **options).new_page()
        sign_in(page, live_server.url, "alice@example.org")
        page.goto(f"{live_server.url}/staff/riverside-pantry/channels/")

        connect(page, mastodon.url, "wrong-token")
        expect(page.get_by_text("We are checking the account with 127.0.0.1")).to_be_visible()
        expect(page.get_by_text("Checking with the server")).to_be_visible()
        assert mastodon.requests == []
        shoot(page, f"accounts-checking-{width}")

        play_the_worker()
        page.reload()
        expect(page.get_by_text("Could not connect the Mastodon account:")).to_be_visible()
        expect(page.get_by_text("Mastodon refused the access token")).to_be_visible()
        shoot(page, f"accounts-failed-{width}")

        connect(page, mastodon.url, TOKEN)
        play_the_worker()
        page.reload()
        expect(page.get_by_text("Could not connect")).to_have_count(0)
        assert ChannelAccount.objects.current().get(network="mastodon").state == "connected"
        shoot(page, f"accounts-connected-{width}")
    finally:
        mastodon.stop()
