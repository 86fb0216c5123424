"""End to end in a real browser on a 360 px phone: alice sets up two-factor sign-in, then
signs in with her password and a code her app would show (made here with pyotp from the key
the page showed her), after one wrong code, and once more with a recovery code. Every page of
the way fits the phone and passes axe-core at 360 and 1280 px. The pages carry no script, so
they work without JavaScript; the browser keeps it on only for axe-core (Playwright's
evaluate waits for ever without it)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from groundswell import testing
from groundswell.accounts.models import Organisation, User

from .a11y import DESKTOP, PHONE

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url
    assert page.locator("script").count() == 0, page.url


def shoot(page: Page, name: str) -> None:
    """Screenshots at both widths, to look at; the page is left at 360 px."""
    ARTIFACTS.mkdir(exist_ok=True)
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        page.screenshot(path=ARTIFACTS / f"two-factor-{name}-{size['width']}.png", full_page=True)


def password_step(page: Page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label(re.compile("^Email address")).fill("alice@example.org")
    page.get_by_label(re.compile("^Password")).fill(testing.PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.browser
def test_alice_sets_up_two_factor_and_signs_in_with_a_code_on_a_phone(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    axe: Callable[..., None],
    alice: User,
    org: Organisation,
) -> None:
    base = live_server.url
    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    fits(page)
    axe(page)
    shoot(page, "signin")
    password_step(page, base)
    expect(page).to_have_url(f"{base}/staff/alices/")

    page.get_by_role("link", name="Sign-in and security").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in and security")
    page.get_by_role("link", name="Set up two-factor sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    expect(page.locator(".qr svg")).to_be_visible()
    secret = page.locator("code.secret").inner_text().strip()
    fits(page)
    axe(page)
    shoot(page, "setup")

    page.get_by_label(re.compile("^Code from your app")).fill("12345")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page).to_have_title(re.compile("^Error: "))
    expect(page.locator("#error-summary")).to_contain_text("That code is not right")
    expect(page.get_by_label(re.compile("^Code from your app"))).to_have_value("12345")
    fits(page)
    axe(page)
    shoot(page, "setup-error")

    totp = pyotp.TOTP(secret)
    page.get_by_label(re.compile("^Code from your app")).fill(totp.now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("save your recovery codes")
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    recovery = page.locator(".recovery-codes li").first.inner_text().strip()
    fits(page)
    axe(page)
    shoot(page, "recovery-codes")

    page.get_by_role("button", name="Sign out").click()
    password_step(page, base)
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your sign-in code")
    fits(page)
    axe(page)
    shoot(page, "code-step")
    # A wrong code first: the error summary, the page still fits and passes axe.
    wrong = f"{(int(totp.now()) + 500_000) % 1_000_000:06d}"
    page.get_by_label(re.compile("^Code")).fill(wrong)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_title(re.compile("^Error: "))
    expect(page.locator("#error-summary")).to_be_visible()
    fits(page)
    axe(page)
    shoot(page, "code-error")
    # The code used to set up was this time step's; a code is good once, so sign in with
    # the next step's (the drift allowed takes it).
    page.get_by_label(re.compile("^Code")).fill(totp.at(time.time() + totp.interval))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/staff/alices/")
    page.goto(f"{base}/staff/security/")
    expect(page.get_by_text("On: signing in takes your password")).to_be_visible()
    expect(page.get_by_text("this browser")).to_be_visible()
    fits(page)
    axe(page)
    shoot(page, "security")

    # Without the phone: a recovery code signs in too, once.
    page.get_by_role("button", name="Sign out").click()
    password_step(page, base)
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your sign-in code")
    page.get_by_label(re.compile("^Code")).fill(recovery)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/staff/alices/")
    fits(page)
    axe(page)
    shoot(page, "signed-in-with-recovery-code")
