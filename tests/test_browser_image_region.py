"""In a real browser at 360 px: alice blurs a face in a story picture, with and without
JavaScript, sees the result before it is saved, and the stored picture changes for good."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from groundswell import testing
from groundswell.accounts.models import Membership, User
from groundswell.audit.models import AuditEntry
from groundswell.lib.images import process_image
from groundswell.stories.models import Story, StoryImage
from groundswell.stories.services import add_image
from groundswell.stories.tests.test_image_region import ABOVE, INSIDE, difference, photo, pixels

from .a11y import assert_accessible
from .test_browser_story_flow import ARTIFACTS, PHONE, field, sign_in

ALT = "Two people on the river bank"


def story_with_picture(owner: Membership) -> tuple[Story, StoryImage, bytes]:
    story = testing.make_story(owner)
    upload = SimpleUploadedFile("p.jpg", photo())
    image = add_image(owner, story, process_image(upload, name="image"), alt_text=ALT)
    with image.image.open("rb") as stored:
        return story, image, stored.read()


def open_region_page(page: Page, base: str, alice: User, story: Story) -> None:
    sign_in(page, base, alice)
    page.goto(f"{base}/staff/alices/stories/{story.pk}/")
    page.get_by_role("link", name=f"Blur or crop {ALT}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Blur or crop an image")


def preview_and_apply(page: Page) -> None:
    page.get_by_role("button", name="Preview", exact=True).click()
    expect(page.get_by_role("heading", name="Preview (not saved yet)")).to_be_visible()
    result = page.get_by_role("img", name="The image with the region blurred")
    expect(result).to_be_visible()
    # The load event waits for every image (wait_for_function would poll through eval,
    # which the CSP refuses).
    page.wait_for_load_state("load")
    assert result.evaluate("img => img.naturalWidth") == 640
    page.get_by_role("button", name="Blur the region").click()
    expect(page.get_by_role("status")).to_contain_text("Image changed. The old picture is deleted.")


def assert_blurred(image: StoryImage, old: bytes) -> None:
    image.refresh_from_db()
    with image.image.open("rb") as stored:
        new = stored.read()
    assert difference(pixels(old), pixels(new), INSIDE) > 30
    assert difference(pixels(old), pixels(new), ABOVE) < 3


@pytest.mark.browser
def test_without_javascript_on_a_phone_alice_types_the_region_and_blurs_it(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    alice: User,
    owner: Membership,
) -> None:
    story, image, old = story_with_picture(owner)
    # No script runs in this context at all (Playwright's own evaluate neither): the checks
    # are what a reader sees; layout and axe are measured in the next test.
    page = new_context(**PHONE, java_script_enabled=False).new_page()
    open_region_page(page, live_server.url, alice, story)
    expect(page.get_by_text("Or drag a rectangle")).to_be_hidden()

    # A region past the right edge: a clear message, the typing kept, nothing stored.
    fill_region(page, "70", "30", "40", "30")
    page.get_by_role("button", name="Preview", exact=True).click()
    expect(page).to_have_title(re.compile(r"^Error: Blur or crop an image"))
    expect(page.locator(".error-summary")).to_contain_text("goes past the right edge of the image")
    expect(page.get_by_role("link", name=re.compile("goes past the right edge"))).to_have_attribute(
        "href", "#id_width"
    )
    expect(field(page, "Left edge (%)")).to_have_value("70")
    expect(page.get_by_role("heading", name="Preview (not saved yet)")).to_have_count(0)
    image.refresh_from_db()
    with image.image.open("rb") as stored:
        assert stored.read() == old

    field(page, "Left edge (%)").fill("20")
    preview_and_apply(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "image-region-done-360px.png", full_page=True)
    assert_blurred(image, old)
    entry = AuditEntry.objects.get(action="story.image_blur")
    assert entry.changes["box"] == [
        None,
        {"left": 20.0, "top": 30.0, "width": 40.0, "height": 30.0},
    ]


def fill_region(page: Page, left: str, top: str, width: str, height: str) -> None:
    field(page, "Left edge (%)").fill(left)
    field(page, "Top edge (%)").fill(top)
    field(page, "Width (%)").fill(width)
    field(page, "Height (%)").fill(height)


@pytest.mark.browser
def test_the_page_fits_a_phone_passes_axe_and_looks_right_at_both_widths(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    alice: User,
    owner: Membership,
) -> None:
    story, _image, _old = story_with_picture(owner)
    page = new_context(**PHONE).new_page()
    open_region_page(page, live_server.url, alice, story)
    fill_region(page, "20", "30", "0", "30")
    page.get_by_role("button", name="Preview", exact=True).click()
    expect(page.locator(".error-summary")).to_be_focused()
    assert_accessible(page)
    fill_region(page, "20", "30", "40", "30")
    page.get_by_role("button", name="Preview", exact=True).click()
    expect(page.get_by_role("heading", name="Preview (not saved yet)")).to_be_visible()
    page.wait_for_load_state("load")
    assert_accessible(page)
    ARTIFACTS.mkdir(exist_ok=True)
    for size in ({"width": 360, "height": 740}, {"width": 1280, "height": 900}):
        page.set_viewport_size(size)  # type: ignore[arg-type]
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= size["width"], f"the page is {width} px wide at {size['width']} px"
        page.screenshot(path=ARTIFACTS / f"image-region-{size['width']}px.png", full_page=True)


@pytest.mark.browser
def test_with_javascript_dragging_on_the_image_fills_the_region(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    alice: User,
    owner: Membership,
) -> None:
    story, image, old = story_with_picture(owner)
    page = new_context(**PHONE).new_page()
    open_region_page(page, live_server.url, alice, story)
    expect(page.get_by_text("Or drag a rectangle")).to_be_visible()
    frame = page.locator(".region-frame")
    frame.scroll_into_view_if_needed()
    page.wait_for_load_state("load")
    bounds = frame.bounding_box()
    assert bounds is not None
    x, y, width, height = bounds["x"], bounds["y"], bounds["width"], bounds["height"]
    page.mouse.move(x + width * 0.2, y + height * 0.3)
    page.mouse.down()
    page.mouse.move(x + width * 0.4, y + height * 0.45, steps=4)
    page.mouse.move(x + width * 0.6, y + height * 0.6, steps=4)
    page.mouse.up()
    values = [
        float(field(page, f"{name} (%)").input_value())
        for name in ("Left edge", "Top edge", "Width", "Height")
    ]
    for got, wanted in zip(values, (20, 30, 40, 30), strict=True):
        assert abs(got - wanted) < 1.5, values
    box = page.locator(".region-box")
    assert abs(float(box.get_attribute("width") or 0) - values[2]) < 0.01
    page.screenshot(path=ARTIFACTS / "image-region-drag-360px.png", full_page=True)
    preview_and_apply(page)
    assert_blurred(image, old)
