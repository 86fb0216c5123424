"""The analytics pages in a real browser: readers counted, staff reading the figures at 360 px
and 1280 px, a bad date answered the GOV.UK way; axe-core (WCAG 2.1 A and AA) on each."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect
from pytest_django.live_server_helper import LiveServer

from groundswell.accounts.models import Membership, User
from groundswell.actions.models import Petition
from groundswell.analytics.tests.helpers import settle

from .a11y import DESKTOP, PHONE
from .test_browser_pages_fit import sign_in
from .test_browser_referral_loop import sign_on_phone

SHOTS = Path("/tmp/groundswell-shots")
ON_A_PHONE = {"viewport": PHONE, "is_mobile": True, "has_touch": True}


@pytest.mark.browser
def test_staff_read_the_funnel_and_channels_on_a_phone_and_a_desktop(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    alice: User,
    owner: Membership,
    petition: Petition,
    axe: Callable[..., None],
) -> None:
    campaign_url = live_server.url + petition.campaign.get_absolute_url()
    # Two readers from WhatsApp, one of them signs; one more asks not to be tracked.
    for n in range(2):
        reader = new_context(**ON_A_PHONE).new_page()
        reader.goto(campaign_url + "?ch=whatsapp&utm_campaign=winter")
        if n == 0:
            sign_on_phone(reader, name="Zadie", email="zadie.q@example.net")
    private = new_context(**ON_A_PHONE, extra_http_headers={"Sec-GPC": "1"}).new_page()
    private.goto(campaign_url + "?ch=whatsapp")
    settle()

    SHOTS.mkdir(exist_ok=True)
    for size, name in ((DESKTOP, "1280"), (PHONE, "360")):
        page = new_context(viewport=size).new_page()
        sign_in(page, live_server.url, alice)
        page.get_by_role("link", name="Analytics").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Analytics")
        funnel = page.get_by_role(
            "region", name="Funnel: view → sign → confirm → share → referred sign"
        )
        expect(funnel.get_by_role("row", name="Page views 2 —")).to_be_visible()
        expect(funnel.get_by_role("row", name="Signatures 1 50.0 %")).to_be_visible()
        channels = page.get_by_role("region", name="Channels", exact=True)
        expect(channels.get_by_role("rowheader", name="WhatsApp")).to_be_visible()
        expect(page.get_by_text("reach means followers and deliveries")).to_be_visible()
        expect(page.get_by_role("img", name="Page views per day")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
        assert "Zadie" not in page.content() and "zadie" not in page.content()
        page.screenshot(path=str(SHOTS / f"analytics-organisation-{name}.png"), full_page=True)
        axe(page, widths=(size,))

        # A date that does not exist: the error summary, focused, its link to the day field.
        page.get_by_role("group", name="From").get_by_label("Day").fill("31")
        page.get_by_role("group", name="From").get_by_label("Month").fill("2")
        page.get_by_role("group", name="From").get_by_label("Year").fill("2026")
        page.get_by_role("button", name="Show these days").click()
        summary = page.get_by_role("alert")
        expect(summary).to_contain_text("The from date must be a real date")
        assert page.title().startswith("Error:")
        assert page.evaluate("document.activeElement.id") == "error-summary"
        expect(page.locator("#id_from_0")).to_have_value("31")
        page.screenshot(path=str(SHOTS / f"analytics-date-error-{name}.png"), full_page=True)
        axe(page, widths=(size,))

        page.goto(live_server.url + f"/staff/alices/analytics/campaigns/{petition.campaign_id}/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Analytics: Clean Rivers Now")
        petitions = page.get_by_role("region", name="Petitions", exact=True)
        # Signed with the form on the campaign's page: the petition's own page was not seen.
        expect(petitions.get_by_role("row", name="Stop the sewage 0 1 —")).to_be_visible()
        page.screenshot(path=str(SHOTS / f"analytics-campaign-{name}.png"), full_page=True)
        axe(page, widths=(size,))
