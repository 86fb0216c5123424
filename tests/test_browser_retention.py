"""The privacy notice and the retention schedule on a 360-px phone, without JavaScript,
checked with axe-core (WCAG 2.1 A and AA)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from groundswell.accounts.models import Membership, User
from groundswell.actions.models import Petition
from groundswell.retention.models import RetentionPeriod

from .a11y import PHONE
from .test_browser_pages_fit import sign_in

SHOTS = Path("/tmp/groundswell-shots")
ON_A_PHONE = {"viewport": PHONE, "is_mobile": True, "has_touch": True}
# Without JavaScript the page itself cannot be measured (evaluate needs it): the same steps
# are taken there, and measured and checked by axe in a phone with it.
WITHOUT_JS = {**ON_A_PHONE, "java_script_enabled": False}


def _fits(page: Page, *, script: bool) -> None:
    """Nothing makes the page wider than the phone."""
    if script:
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.mark.browser
def test_the_privacy_notice_reads_on_a_phone_without_javascript(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    petition: Petition,
    axe: Callable[..., None],
) -> None:
    for script in (False, True):
        page = new_context(**(ON_A_PHONE if script else WITHOUT_JS)).new_page()
        page.goto(f"{live_server.url}/o/alices/")
        page.get_by_role("link", name="Privacy notice").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Privacy notice")
        expect(page.get_by_role("cell", name="Deleted after 30 days").first).to_be_visible()
        _fits(page, script=script)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "privacy-notice-360.png"), full_page=True)
    axe(page, widths=(PHONE,))


@pytest.mark.browser
def test_the_schedule_page_and_its_errors_on_a_phone_without_javascript(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    alice: User,
    owner: Membership,
    axe: Callable[..., None],
) -> None:
    for script, days in ((False, 21), (True, 22)):
        page = new_context(**(ON_A_PHONE if script else WITHOUT_JS)).new_page()
        sign_in(page, live_server.url, alice)
        page.get_by_role("link", name="Keeping data").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Keeping personal data")
        _fits(page, script=script)
        if script:
            axe(page, widths=(PHONE,))
        field = page.get_by_label("Unconfirmed signatures: days kept before they are deleted")
        field.fill("3")
        page.get_by_role("button", name="Save the schedule").click()
        expect(page).to_have_title("Error: Keeping personal data — Alice's Campaigners · Staff")
        summary = page.locator(".error-summary")
        expect(summary).to_contain_text("Keep unconfirmed signatures for at least 14 days.")
        expect(field).to_have_value("3")
        _fits(page, script=script)
        if script:
            page.screenshot(path=str(SHOTS / "retention-schedule-error-360.png"), full_page=True)
            axe(page, widths=(PHONE,))
        field.fill(str(days))
        page.get_by_role("button", name="Save the schedule").click()
        expect(page.get_by_role("status")).to_contain_text("Schedule saved.")
        assert RetentionPeriod.objects.get(kind="actions.unconfirmed_signatures").days == days
