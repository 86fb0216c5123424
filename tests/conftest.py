"""Browser fixtures: Playwright's sync API driving Debian's chromium.

Never a browser that Playwright downloads: the tests use /usr/bin/chromium, which
`make test` (scripts/setup.sh --browser) installs. Without it the browser tests fail, they
do not skip, so a missing browser cannot pass unnoticed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Long enough for a slow CI machine, short enough that a missing element fails quickly.
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Browser tests need Debian's chromium at {CHROMIUM}, and it is missing. "
            "Run `make test` (scripts/setup.sh --browser installs it when run as root) or "
            "`sudo apt-get install chromium`. Never `playwright install`.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    # The sync API keeps an asyncio loop running in this thread, and Django then refuses ORM
    # calls from it (SynchronousOnlyOperation). The tests are single-threaded and only wait
    # for the browser, so the check is a false alarm here. It stays off until the browser
    # is gone: later tests in the session run in the same thread.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as driver:
            yield driver
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """Open separate browser contexts (separate cookies: separate people); all closed after."""
    contexts: list[BrowserContext] = []

    def open_context(**options: Any) -> BrowserContext:
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


@pytest.fixture
def axe() -> Callable[..., None]:
    """`axe(page)` fails the test on any WCAG 2.1 A/AA violation at 360 px and 1280 px."""
    from .a11y import assert_accessible

    return assert_accessible
