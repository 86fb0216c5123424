"""The time log on a 360-px phone: start the timer, stop it, add time by hand past 80 % of
the day's budget (after a mistake), see the gentle warning, the week at a glance and the
impact per staff hour. Each page is checked with axe-core (WCAG 2.1 A and AA); the timer
and the forms are plain forms, so the walk is done without JavaScript too."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from groundswell import testing
from groundswell.accounts.models import Membership, User
from groundswell.timelog import services
from groundswell.timelog.models import TimeEntry

from .a11y import DESKTOP, PHONE
from .test_browser_pages_fit import sign_in

SHOTS = Path("/tmp/groundswell-shots")
ON_A_PHONE = {"viewport": PHONE, "is_mobile": True, "has_touch": True}
WITHOUT_JS = {**ON_A_PHONE, "java_script_enabled": False}


def _fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"measure-{name}-360.png"), full_page=True)


def walk(page: Page, base: str, alice: User, *, script: bool, axe: Callable[..., None]) -> None:
    def check(name: str) -> None:
        if script:
            _fits(page)
            _shot(page, name)
            axe(page)  # at 360 and 1280 px
            page.set_viewport_size(PHONE)

    sign_in(page, base, alice)
    page.get_by_role("link", name="Your time").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your time today")
    page.get_by_label("Writing").check()
    page.get_by_label("Campaign (optional)").select_option(label="Clean Rivers Now")
    page.get_by_role("button", name="Start the timer").click()
    expect(page.get_by_role("status")).to_contain_text("The timer is running")
    expect(page.get_by_text("Running since")).to_be_visible()
    check("timer-running")
    page.reload()  # the timer survives a page load: it is a row, not the page
    page.get_by_role("button", name="Stop the timer").click()
    expect(page.get_by_role("status")).to_contain_text("Recorded 1 minute of writing.")
    page.get_by_role("link", name="Add time by hand").click()
    page.get_by_label("How many minutes?").fill("forty")
    page.get_by_role("button", name="Add the time").click()
    expect(page).to_have_title("Error: Add time by hand — Alice's Campaigners · Staff")
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Enter the minutes as a whole number, like 45")
    expect(summary).to_contain_text("Choose what you did")
    check("entry-errors")
    page.get_by_label("How many minutes?").fill("48")
    page.get_by_label("Replying").check()
    page.get_by_role("button", name="Add the time").click()
    banner = page.get_by_role("region", name="You have used 81 % of today's time for social media")
    expect(banner).to_contain_text("49 of your 60 minutes")
    check("warning")
    page.get_by_role("link", name="The week at a glance").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The week at a glance")
    expect(
        page.get_by_role("cell", name="Clean Rivers Now").or_(
            page.get_by_role("rowheader", name="Clean Rivers Now")
        )
    ).to_be_visible()
    check("week")
    page.get_by_role("link", name="Impact per staff hour").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Impact per staff hour")
    expect(page.get_by_role("heading", name="Per campaign")).to_be_visible()
    expect(page.get_by_text("Too few hours to mean much").first).to_be_visible()
    check("impact")


@pytest.mark.browser
@pytest.mark.parametrize("script", [True, False], ids=["with-js", "without-js"])
def test_the_timer_budget_warning_week_and_impact_on_a_phone(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    alice: User,
    owner: Membership,
    axe: Callable[..., None],
    script: bool,
) -> None:
    testing.make_campaign(owner)
    services.set_budget(owner, 60)
    page = new_context(**(ON_A_PHONE if script else WITHOUT_JS)).new_page()
    walk(page, live_server.url, alice, script=script, axe=axe)
    assert sorted(TimeEntry.objects.values_list("minutes", "source")) == [
        (1, "timer"), (48, "manual"),
    ]  # fmt: skip


@pytest.mark.browser
def test_the_public_record_on_the_campaign_page_reads_on_a_phone(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    owner: Membership,
    axe: Callable[..., None],
) -> None:
    from groundswell.ledger.services import add_entry

    campaign = testing.make_campaign(owner)
    petition = testing.make_petition(owner, campaign)
    add_entry(
        owner,
        {"campaign": campaign, "petition": petition, "kind": "delivery", "public": True,
         "happened_on": services.today(), "title": "We handed 1,240 signatures in",
         "details": "At the town hall, with thirty supporters.",
         "evidence": ["https://example.org/a-rather-long-address/of-the-photos/of-the-hand-in"]},
    )  # fmt: skip
    page = new_context(**ON_A_PHONE).new_page()
    page.goto(f"{live_server.url}{campaign.get_absolute_url()}")
    record = page.get_by_role("region", name="What has happened so far")
    expect(record).to_contain_text("Delivery: We handed 1,240 signatures in")
    _fits(page)
    _shot(page, "campaign-record")
    axe(page)
    page.set_viewport_size(DESKTOP)
    expect(record).to_be_visible()
