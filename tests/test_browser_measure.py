"""The time log on a 360-px phone: start the timer, stop it, add time by hand past 80 % of
the day's budget (after a mistake), see the gentle warning, the week at a glance and the
impact per staff hour. Each page is checked with axe-core (WCAG 2.1 A and AA); the timer
and the forms are plain forms, so the walk is done without JavaScript too. Then the monthly
report: from the dashboard to the PDF, rendered to PNG to be looked at (test-artifacts/),
and the transparency page an owner opens."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import timedelta
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
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
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


def _last_month(owner: Membership) -> str:
    """Last month's figures, as the worker and the staff would have left them: counts in
    the roll-ups, a fortnight of time entries and a ledger entry. Its name, YYYY-MM."""
    from groundswell.analytics.models import DailyCount
    from groundswell.ledger.models import LedgerEntry

    campaign = testing.make_campaign(owner)
    petition = testing.make_petition(owner, campaign)
    first = (services.today(owner.organisation).replace(day=1) - timedelta(days=1)).replace(day=1)
    org = owner.organisation
    for n in range(14):
        day = first + timedelta(days=n * 2)
        for kind, count in (("page_view", 80 + 9 * n), ("sign", 12 + n), ("confirm", 9 + n)):
            for scope, scope_id in (("organisation", 0), ("campaign", campaign.pk)):
                DailyCount.objects.create(organisation=org, scope=scope, scope_id=scope_id,
                                          kind=kind, day=day, count=count)  # fmt: skip
        services.add_entry(owner, {"date": day, "minutes": 35 + 5 * (n % 4),
                                   "activity": "writing" if n % 3 else "replying",
                                   "campaign": campaign, "channel": ""})  # fmt: skip
    LedgerEntry.objects.create(organisation=org, campaign=campaign, petition=petition,
                               kind="delivery", happened_on=first + timedelta(days=20),
                               title="We handed 1,240 signatures to the council")  # fmt: skip
    return first.strftime("%Y-%m")


@pytest.mark.browser
def test_timer_budget_warning_dashboard_and_the_monthly_pdf_on_a_phone(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    alice: User,
    owner: Membership,
    axe: Callable[..., None],
) -> None:
    month = _last_month(owner)
    services.set_budget(owner, 60)
    page = new_context(**ON_A_PHONE).new_page()
    sign_in(page, live_server.url, alice)
    page.get_by_role("link", name="Your time").click()
    page.get_by_label("Listening").check()
    page.get_by_role("button", name="Start the timer").click()
    page.get_by_role("button", name="Stop the timer").click()
    expect(page.get_by_role("status")).to_contain_text("Recorded 1 minute of listening.")
    page.get_by_role("link", name="Add time by hand").click()
    page.get_by_label("How many minutes?").fill("59")
    page.get_by_label("Moderating").check()
    page.get_by_role("button", name="Add the time").click()
    banner = page.get_by_role("region", name="You have reached today's time for social media")
    expect(banner).to_be_visible()
    _fits(page)
    _shot(page, "budget-reached")
    axe(page)
    page.set_viewport_size(PHONE)

    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Monthly report")).to_be_visible()
    _fits(page)
    _shot(page, "dashboard")
    axe(page)
    page.set_viewport_size(PHONE)
    with page.expect_download() as started:
        page.get_by_role("link", name="Download last month's report (PDF)").click()
    download = started.value
    assert download.suggested_filename == f"alices-{month}.pdf"
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / "measure-monthly-report.pdf"
    download.save_as(target)
    assert target.read_bytes().startswith(b"%PDF-")
    # Debian's poppler-utils (scripts/setup.sh --browser): the words, and pictures to look at.
    text = subprocess.run(  # noqa: S603 - a fixed program on our own file
        ["/usr/bin/pdftotext", "-layout", str(target), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    for words in ("what the time bought", "Confirmed signatures per day", "Clean Rivers Now",
                  "Hours and outcomes per campaign", "We handed 1,240 signatures"):  # fmt: skip
        assert words in text, words
    subprocess.run(  # noqa: S603 - a fixed program on our own file
        ["/usr/bin/pdftoppm", "-r", "80", "-png", str(target), str(ARTIFACTS / "measure-monthly")],
        check=True,
    )
    assert (ARTIFACTS / "measure-monthly-1.png").stat().st_size > 10_000

    # The page of the same report, a month chosen without JavaScript.
    page.get_by_role("link", name="Monthly report").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Monthly report")
    expect(page.get_by_role("region", name="Hours and outcomes per campaign")).to_be_visible()
    _fits(page)
    _shot(page, "monthly-report")
    axe(page)


@pytest.mark.browser
@pytest.mark.parametrize("script", [True, False], ids=["with-js", "without-js"])
def test_an_owner_opens_the_transparency_page_and_it_reads_on_a_phone(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    alice: User,
    owner: Membership,
    axe: Callable[..., None],
    script: bool,
) -> None:
    _last_month(owner)
    page = new_context(**(ON_A_PHONE if script else WITHOUT_JS)).new_page()
    url = f"{live_server.url}/o/alices/transparency/"
    answer = page.goto(url)
    assert answer is not None and answer.status == 404  # off until an owner opens it
    sign_in(page, live_server.url, alice)
    page.get_by_role("link", name="Settings").click()
    page.get_by_label("Publish a transparency page").check()
    page.get_by_role("button", name="Save", exact=True).click()
    visitor = new_context(**(ON_A_PHONE if script else WITHOUT_JS)).new_page()
    visitor.goto(f"{live_server.url}/o/alices/")
    visitor.get_by_role("link", name="What our time bought: our transparency page").click()
    expect(visitor.get_by_role("heading", level=1)).to_contain_text("what our time bought")
    months = visitor.get_by_role("region", name="The last twelve months")
    expect(months).to_contain_text("Hours")
    assert "Alice Owner" not in visitor.content()
    if script:
        _fits(visitor)
        _shot(visitor, "transparency")
        axe(visitor)
