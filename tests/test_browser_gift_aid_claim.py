"""An owner downloads the Gift Aid claim on a 360-px phone: the page fits and passes axe at
360 and 1280 px, a wrong period is named the GOV.UK way, and the .ods the button gives is
HMRC's schedule (read back from the file the browser saved)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from groundswell import testing
from groundswell.accounts.models import Membership, User
from groundswell.payments import services
from groundswell.payments.models import Donation, Payment
from groundswell.payments.tests.test_gift_aid_schedule import read_ods

from .a11y import DESKTOP, PHONE
from .test_browser_pages_fit import sign_in

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def _checked(page: Page, axe: Callable[..., None], name: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    axe(page)  # 360 px, then 1280 px
    page.screenshot(path=str(ARTIFACTS / f"gift-aid-{name}-{DESKTOP['width']}.png"))
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(ARTIFACTS / f"gift-aid-{name}-360.png"), full_page=True)


def _gifts(owner: Membership) -> None:
    """Two Gift Aid gifts that arrived today, as the worker records them from webhooks."""
    campaign = testing.make_campaign(owner, title="Otters back in the Alder", slug="otters")
    appeal = services.save_appeal(
        owner,
        campaign,
        {"provider": "stripe", "currency": "GBP", "suggested": [1000], "gift_aid": True,
         "open": True},
    )  # fmt: skip
    for number, (name, amount) in enumerate((("Harriet", 2500), ("Sam", 1000))):
        gift = Donation.objects.create(
            organisation=owner.organisation, appeal=appeal, provider="stripe", amount=amount,
            currency="GBP", frequency="once", state="paid", given_name=name,
            family_name="Smith-Jones", gift_aid=True, title="Dr", house="12", postcode="BS7 8AB",
        )  # fmt: skip
        Payment.objects.create(
            donation=gift, provider="stripe", reference=f"pi_{number}", amount=amount,
            currency="GBP", paid_at=timezone.now(),
        )  # fmt: skip


@pytest.mark.browser
def test_an_owner_downloads_the_gift_aid_schedule_on_a_phone(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    alice: User,
    owner: Membership,
    axe: Callable[..., None],
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    _gifts(owner)
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True, accept_downloads=True
                       ).new_page()  # fmt: skip
    sign_in(page, live_server.url, alice)
    page.goto(f"{live_server.url}/staff/alices/donations/gift-aid/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Gift Aid claim")
    _checked(page, axe, "form")

    today = timezone.localdate()
    fill_date(page, "From", today)
    fill_date(page, "To", date(2001, 1, 1))
    page.get_by_role("button", name="Download the schedule (.ods)").click()
    expect(page).to_have_title(re.compile("^Error: "))
    expect(page.locator("#error-summary")).to_contain_text("The last day comes after the first")
    _checked(page, axe, "error")

    fill_date(page, "To", today)
    with page.expect_download() as downloading:
        page.get_by_role("button", name="Download the schedule (.ods)").click()
    download = downloading.value
    assert download.suggested_filename.endswith(f"{today:%Y%m%d}.ods")
    saved = ARTIFACTS / "gift-aid-schedule.ods"
    download.save_as(saved)
    sheet, grid = read_ods(saved.read_bytes())
    assert sheet == "R68GAD_V1_00_0_EN"
    assert grid[(25, 4)][2] == "Harriet" and grid[(25, 11)][2] == "25.00"
    assert grid[(26, 8)][2] == "Aggregated donations" and grid[(26, 11)][2] == "10.00"


def fill_date(page: Page, name: str, day: date) -> None:
    """The GOV.UK date input: three boxes in a fieldset named `name`."""
    group = page.get_by_role("group", name=name)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))
