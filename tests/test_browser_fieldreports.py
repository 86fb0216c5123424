"""In a real browser at 360 px: someone on the ground sends a report with a photo, without
JavaScript and without an account; alice blurs a face in the photo, the moderation queue
approves the words, she verifies and publishes it, and the public list, map and GeoJSON
show it with the place blurred to its grid square. axe at 360 and 1280 on every page."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from groundswell import testing
from groundswell.accounts.models import Membership, User
from groundswell.audit.models import AuditEntry
from groundswell.campaigns.models import Campaign
from groundswell.fieldreports.models import FieldReport, ReporterContact
from groundswell.stories.tests.test_image_region import ABOVE, INSIDE, difference, photo, pixels

from .a11y import assert_accessible
from .test_browser_story_flow import ARTIFACTS, PHONE, field, sign_in

TITLE = "Sewage pipe leaking by the mill"
BODY = "Brown water coming out of the bank pipe at 7am, smell all along the path."


def fits(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for size in ({"width": 360, "height": 740}, {"width": 1280, "height": 900}):
        page.set_viewport_size(size)  # type: ignore[arg-type]
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= size["width"], f"{name} is {width} px wide at {size['width']} px"
        page.screenshot(
            path=ARTIFACTS / f"fieldreports-{name}-{size['width']}px.png", full_page=True
        )
    page.set_viewport_size({"width": 360, "height": 740})


def send_report(page: Page, base: str, campaign: Campaign, picture: Path) -> None:
    page.goto(f"{base}/o/alices/campaigns/{campaign.slug}/")
    page.get_by_role("link", name="Seen something on the ground? Send a report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Send a report from the ground")
    field(page, "In a few words, what happened?").fill(TITLE)
    field(page, "Tell us more").fill(BODY)
    field(page, "Latitude").fill("123")
    field(page, "Longitude").fill("-0.12758")
    page.get_by_role("button", name="Send the report").click()
    # Out of range: the GOV.UK summary, the words kept, nothing stored.
    expect(page).to_have_title(re.compile(r"^Error: Send a report"))
    expect(page.locator(".error-summary")).to_contain_text("Enter the latitude as a number")
    expect(field(page, "Tell us more")).to_have_value(BODY)
    assert not FieldReport.objects.exists()
    field(page, "Latitude").fill("51.50722")
    field(page, "A photo (optional)").set_input_files(str(picture))
    field(page, "What the photo shows (optional)").fill("Two people beside a pipe on the bank")
    field(page, "Your email (optional)").fill("nadia.brook@example.net")
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: your report is sent")


@pytest.mark.browser
def test_report_blur_review_publish_on_a_phone(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    alice: User,
    owner: Membership,
    tmp_path: Path,
) -> None:
    campaign = testing.make_campaign(owner, title="Clean Rivers Now", slug="clean-rivers")
    picture = tmp_path / "pipe.jpg"
    picture.write_bytes(photo())
    base = live_server.url

    # The reporter: a phone with no JavaScript at all.
    reporter = new_context(**PHONE, java_script_enabled=False).new_page()
    send_report(reporter, base, campaign, picture)
    report = FieldReport.objects.get()
    assert (report.latitude, report.longitude) == (Decimal("51.5050"), Decimal("-0.1250"))
    assert ReporterContact.objects.get(report=report).email == "nadia.brook@example.net"
    with report.photo.open("rb") as stored:
        original = stored.read()
    assert b"GS-BLUR-MARKER" not in original  # the camera's EXIF and comment are gone

    # What the worker does next: the report's words go to the moderation queue.
    testing.run_periodic("submit_field_reports")

    # Alice, on her phone with JavaScript: the form once more (layout, axe), then review.
    page = new_context(**PHONE).new_page()
    page.goto(f"{base}/o/alices/reports/new/{campaign.slug}/")
    page.get_by_role("button", name="Send the report").click()
    expect(page.locator(".error-summary")).to_be_focused()
    assert_accessible(page)
    fits(page, "form-errors")
    sign_in(page, base, alice)
    page.get_by_role("link", name="Reports", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports from the ground")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(TITLE)).click()
    expect(page.get_by_text("nadia.brook@example.net")).to_be_visible()  # alice owns it
    assert_accessible(page)
    fits(page, "staff-report")

    # Blur a face: the region tool of stories and campaigns, on the report's photo.
    page.get_by_role("link", name="Blur a face or crop the photo").click()
    for name, value in (("Left edge", "20"), ("Top edge", "30"), ("Width", "40"), ("Height", "30")):
        field(page, f"{name} (%)").fill(value)
    page.get_by_role("button", name="Preview", exact=True).click()
    expect(page.get_by_role("heading", name="Preview (not saved yet)")).to_be_visible()
    page.wait_for_load_state("load")
    assert_accessible(page)
    page.get_by_role("button", name="Blur the region").click()
    expect(page.get_by_role("status")).to_contain_text("Photo changed.")
    report.refresh_from_db()
    with report.photo.open("rb") as stored:
        blurred = stored.read()
    assert difference(pixels(original), pixels(blurred), INSIDE) > 30
    assert difference(pixels(original), pixels(blurred), ABOVE) < 3

    # Verify; publishing waits for the moderation queue, and says so.
    page.get_by_role("button", name="Mark as verified").click()
    expect(page.get_by_role("status")).to_contain_text("is now verified")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".error-summary")).to_contain_text("approved in the moderation queue")
    page.get_by_role("link", name="Waiting for a decision").click()
    page.get_by_role("button", name="Approve and show it").click()
    page.goto(f"{base}/staff/alices/reports/{report.pk}/")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text("is now published")
    actions = set(
        AuditEntry.objects.filter(target_id=str(report.pk)).values_list("action", flat=True)
    )
    assert {"fieldreport.photo_blur", "fieldreport.verify", "fieldreport.publish"} <= actions

    # The public: the list with the map, the photo as blurred, the place as a square.
    reporter.goto(f"{base}/o/alices/reports/")
    expect(reporter.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(reporter.get_by_text("near 51.5050, -0.1250")).to_be_visible()
    assert "nadia" not in reporter.content()
    public = new_context(**PHONE).new_page()
    public.goto(f"{base}/o/alices/reports/")
    public.wait_for_load_state("load")
    assert (
        public.get_by_role("img", name=re.compile("A map of 1 published report")).evaluate(
            "img => img.naturalWidth"
        )
        > 0
    )
    assert_accessible(public)
    fits(public, "public-list")
    geo = json.loads(public.request.get(f"{base}/o/alices/reports.geojson").text())
    assert geo["features"][0]["geometry"]["coordinates"] == [-0.125, 51.505]
