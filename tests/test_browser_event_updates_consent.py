"""On a phone: an RSVP with "Keep me updated" ticked, then the link in the place email
confirms it on a page with the words agreed to and one button (axe at 360 and 1280 px)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect
from pytest_django.live_server_helper import LiveServer

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.events.models import Attendance
from groundswell.events.tests.conftest import make_event
from groundswell.supporters.services import standing_updates_consent

from .a11y import DESKTOP, PHONE
from .test_browser_events import ARTIFACTS, ON_A_PHONE, fits, last_to, local


@pytest.mark.browser
def test_the_place_emails_link_confirms_the_updates_consent_on_a_phone(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    smtp_server: testing.LocalSMTPServer,
    owner: Membership,
    axe: Callable[..., None],
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    event = make_event(owner)
    page = new_context(**ON_A_PHONE).new_page()
    page.goto(live_server.url + event.get_absolute_url())
    page.get_by_label("First name").fill("Ana")
    page.get_by_role("textbox", name="Email").fill("ana@example.net")
    page.get_by_label("Keep me updated").check()
    page.get_by_role("button", name="RSVP").click()
    testing.run_periodic("decide_rsvps")  # the worker's part
    subject, body = last_to(smtp_server, "ana@example.net")
    assert subject == "Your place at Litter pick at Alder Mill is confirmed"
    link = next(word for word in body.split() if "/updates/" in word)
    page.goto(local(link, live_server))
    expect(page.get_by_role("heading", level=1)).to_have_text("Keep me updated")
    expect(page.locator("blockquote")).to_contain_text("Keep me updated about this campaign")
    fits(page)
    page.screenshot(path=str(ARTIFACTS / "event-updates-confirm-360.png"), full_page=True)
    axe(page, widths=(PHONE, DESKTOP))
    page.set_viewport_size(PHONE)
    ana = Attendance.objects.select_related("supporter").get()
    assert ana.supporter is not None
    assert not standing_updates_consent(ana.supporter)  # opening the link changed nothing
    page.get_by_role("button", name="Yes, keep me updated").click()
    expect(page.get_by_role("status")).to_contain_text("will keep you updated")
    fits(page)
    page.screenshot(path=str(ARTIFACTS / "event-updates-confirmed-360.png"), full_page=True)
    axe(page, widths=(PHONE, DESKTOP))
    assert standing_updates_consent(ana.supporter)
