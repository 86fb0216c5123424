"""The whole act-and-share loop on a phone, with email through a real SMTP server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import BrowserContext, Page
from pytest_django.live_server_helper import LiveServer

from groundswell import testing
from groundswell.accounts.models import Membership, User
from groundswell.actions.models import Signature

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


def local(url: str, live_server: LiveServer) -> str:
    """Links in emails and share links use SITE_URL; the test server has its own port."""
    return url.replace(settings.SITE_URL, live_server.url)


def sign_on_phone(page: Page, *, name: str, email: str) -> None:
    page.get_by_label("First name").fill(name)
    page.get_by_role("textbox", name="Email").fill(email)
    page.locator("input[name=consent]").check()
    page.locator("input[name=wants_updates]").check()
    page.get_by_role("button", name="Sign the petition").click()
    page.get_by_role("heading", name="Thank you! Now check your email").wait_for()
    # No worker runs beside the live server: the test plays it.
    testing.run_periodic(*testing.SIGNING)


def confirm_from_email(
    page: Page, smtp_server: testing.LocalSMTPServer, email: str, live_server: LiveServer
) -> str:
    message = next(m for m in reversed(smtp_server.messages) if m["To"] == email)
    body = message.get_body(("plain",)).get_content()
    confirm = next(line for line in body.split() if "/confirm/" in line)
    impact = next(line for line in body.split() if "/me/" in line)
    page.goto(local(confirm, live_server))
    # Opening the link confirms nothing (mail scanners open links); the button does.
    page.get_by_role("button", name="Confirm my signature").click()
    page.get_by_role("heading", name="Your signature is confirmed").wait_for()
    return local(impact, live_server)


@pytest.mark.browser
def test_a_brings_b_who_brings_c_and_the_evangelists_page_shows_it(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    smtp_server: testing.LocalSMTPServer,
    alice: User,
    owner: Membership,
) -> None:
    campaign = testing.make_campaign(owner)
    testing.make_petition(owner, campaign)
    ARTIFACTS.mkdir(exist_ok=True)

    # A reads the campaign on a phone and signs from the form on the page.
    a = new_context(**PHONE).new_page()
    a.goto(live_server.url + campaign.get_absolute_url())
    sign_on_phone(a, name="Ana", email="ana@example.net")
    a.screenshot(path=str(ARTIFACTS / "loop-thanks-360px.png"), full_page=True)
    assert a.evaluate("document.documentElement.scrollWidth") <= 360
    a_impact = confirm_from_email(a, smtp_server, "ana@example.net", live_server)
    a_link = a.locator("#copy-link").input_value()
    assert "ref=" in a_link and "ch=copy" in a_link
    button = a.get_by_role("link", name="WhatsApp").get_attribute("href")
    assert button is not None
    # The button counts the click (analytics) and sends the browser on to WhatsApp.
    whatsapp = a.request.get(live_server.url + button, max_redirects=0).headers["location"]
    assert whatsapp.startswith("https://wa.me/?text=")

    # B follows A's link (on another phone), signs and confirms.
    b = new_context(**PHONE).new_page()
    b.goto(local(a_link, live_server))
    sign_on_phone(b, name="Ben", email="ben@example.net")
    confirm_from_email(b, smtp_server, "ben@example.net", live_server)
    b_link = b.locator("#copy-link").input_value()

    # C follows B's link, with JavaScript off, and signs and confirms.
    c = new_context(**PHONE, java_script_enabled=False).new_page()
    c.goto(local(b_link, live_server))
    sign_on_phone(c, name="Cleo", email="cleo@example.net")
    confirm_from_email(c, smtp_server, "cleo@example.net", live_server)

    assert Signature.objects.filter(state="confirmed").count() == 3
    ben = Signature.objects.get(supporter__email="ben@example.net")
    assert ben.referred_by is not None
    assert ben.referred_by.email == "ana@example.net"
    assert ben.referrer_data["source"] == "copy"

    # The comms officer sees A with 2 downstream and B with 1, once the worker ranked again.
    testing.run_periodic("rank_evangelists")
    staff = new_context(viewport={"width": 1280, "height": 900}).new_page()
    staff.goto(live_server.url + "/accounts/login/")
    staff.get_by_label("Email address").fill("alice@example.org")
    staff.get_by_label("Password").fill(testing.PASSWORD)
    staff.get_by_role("button", name="Sign in").click()
    staff.get_by_role("link", name="Evangelists").click()
    rows = staff.locator("table tbody tr")
    assert rows.nth(0).locator("td").nth(1).inner_text() == "Ana"
    assert rows.nth(0).locator("td").nth(2).inner_text() == "2"
    assert rows.nth(1).locator("td").nth(1).inner_text() == "Ben"
    assert rows.nth(1).locator("td").nth(2).inner_text() == "1"
    staff.screenshot(path=str(ARTIFACTS / "loop-evangelists.png"), full_page=True)

    # A's private page, from the link in her confirmation email, says so.
    a.goto(a_impact)
    assert a.locator(".impact-summary").inner_text() == "Your sharing generated 2 signatures."
    a.screenshot(path=str(ARTIFACTS / "loop-impact-360px.png"), full_page=True)
