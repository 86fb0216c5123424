"""Volunteering on a phone: the need's page → a sign-up for a shift → the share step → a
sign-up through that share link → the shift fills and the next person is waitlisted → a
cancel from the email moves them up. No worker runs beside the live server: the test plays
it (`decide_signups`), and the emails go to a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.lib import pagecache
from groundswell.volunteers import services
from groundswell.volunteers.models import Signup, SignupState

from .a11y import DESKTOP, PHONE

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
ON_A_PHONE = {"viewport": PHONE, "is_mobile": True, "has_touch": True}


def fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def volunteer(page: Page, *, name: str, email: str, shot: str, van: bool = False) -> None:
    page.get_by_role("radio").first.check()
    page.get_by_label("First name").fill(name)
    page.get_by_role("textbox", name="Email").fill(email)
    if van:
        page.get_by_label("Van", exact=True).check()
    page.get_by_role("checkbox", name="may keep my name").check()
    fits(page)
    page.screenshot(path=str(ARTIFACTS / f"volunteer-{shot}-form-360.png"), full_page=True)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for volunteering!")
    expect(page.get_by_role("status")).to_contain_text("We will confirm your place by email")


@pytest.mark.browser
def test_need_to_sign_up_to_share_to_a_full_shift_and_a_cancel_on_a_phone(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    smtp_server: testing.LocalSMTPServer,
    owner: Membership,
    settings: Settings,
    axe: Callable[..., None],
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    settings.SITE_URL = live_server.url  # the share and cancel links
    need = services.create_need(
        owner,
        {"title": "40 people with vans on Saturday", "quantity": 40,
         "description": "Moving food parcels from the depot to the halls.",
         "skills": [{"name": "Van", "wanted": 10}, {"name": "Hindi speaker", "wanted": 2}]},
    )  # fmt: skip
    services.set_need_status(owner, need, "open")
    start = (timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    services.add_shift(
        owner, need, starts_at=start, ends_at=start + timedelta(hours=4),
        place="Alder Street depot", slots=2,
    )  # fmt: skip

    # A opens the need on a phone and signs up for the shift, bringing a van.
    a = new_context(**ON_A_PHONE).new_page()
    a.goto(live_server.url + need.get_absolute_url())
    expect(a.get_by_role("heading", level=1)).to_have_text("40 people with vans on Saturday")
    expect(a.get_by_text("Van: 10 of 10 still needed")).to_be_visible()
    axe(a, widths=(PHONE, DESKTOP))
    a.set_viewport_size(PHONE)
    volunteer(a, name="Ana", email="ana@example.net", shot="a", van=True)
    fits(a)
    a.screenshot(path=str(ARTIFACTS / "volunteer-thanks-360.png"), full_page=True)
    axe(a, widths=(PHONE, DESKTOP))
    a.set_viewport_size(PHONE)
    assert Signup.objects.get().state == SignupState.NEW  # the request decided nothing
    testing.run_periodic("decide_signups")
    ana = Signup.objects.get()
    assert ana.state == SignupState.CONFIRMED
    assert "Your place is confirmed" in smtp_server.messages[-1]["Subject"]

    # The share step: A's own link; B follows it on another phone and signs up too.
    link = a.locator("#copy-link").input_value()
    assert f"ref={ana.share_token}" in link and "ch=copy" in link
    b = new_context(**ON_A_PHONE).new_page()
    b.goto(link)
    volunteer(b, name="Ben", email="ben@example.net", shot="b")
    testing.run_periodic("decide_signups")
    ben = Signup.objects.get(email="ben@example.net")
    assert ben.state == SignupState.CONFIRMED
    assert ben.referred_by_id == ana.supporter_id
    assert ben.referrer_data["source"] == "copy"

    # The shift is full: C is put on the waitlist, and the page says so (counted afresh once
    # its copy, a second old at most, has gone).
    c = new_context(**ON_A_PHONE).new_page()
    time.sleep(pagecache.SECONDS + 0.1)
    c.goto(live_server.url + need.get_absolute_url())
    expect(c.get_by_text("Full: waitlist open")).to_be_visible()
    expect(c.get_by_text("Van: 9 of 10 still needed")).to_be_visible()
    volunteer(c, name="Cai", email="cai@example.net", shot="c")
    testing.run_periodic("decide_signups")
    cai = Signup.objects.get(email="cai@example.net")
    assert cai.state == SignupState.WAITLISTED
    waitlist = next(m for m in smtp_server.messages if m["To"] == "cai@example.net")
    assert "waitlist" in waitlist["Subject"]

    # A cannot come after all: the link in her email, then the button; C moves up.
    ana_link = next(url for url in smtp_server.links("/volunteering/") if ana.token in url)
    a.goto(ana_link)
    expect(a.get_by_role("status")).to_have_text("Your place is confirmed.")
    fits(a)
    axe(a, widths=(PHONE, DESKTOP))
    a.set_viewport_size(PHONE)
    a.get_by_role("button", name="Cancel my place").click()
    expect(a.get_by_role("status")).to_contain_text("You have cancelled")
    a.screenshot(path=str(ARTIFACTS / "volunteer-cancelled-360.png"), full_page=True)
    cai.refresh_from_db()
    assert cai.state == SignupState.CONFIRMED
    moved = [m for m in smtp_server.messages if m["To"] == "cai@example.net"][-1]
    assert "A place opened up" in moved["Subject"]
    c_link = next(url for url in smtp_server.links("/volunteering/") if cai.token in url)
    c.goto(c_link)
    expect(c.get_by_role("status")).to_have_text("Your place is confirmed.")
    fits(c)
