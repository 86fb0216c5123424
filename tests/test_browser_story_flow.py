"""End to end in a real browser: a story goes from bob's draft to a reader's phone.

bob (editor) writes and submits a story, alice (owner) approves and publishes it, and a
visitor without JavaScript reads it on a 360 px wide phone. Each person has a browser
context of their own, so nobody shares a session cookie.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from groundswell import testing
from groundswell.accounts.models import Organisation, User
from groundswell.accounts.services import update_organisation
from groundswell.stories.models import Story
from groundswell.stories.workflow import State

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}

TITLE = "Otters are back in the Wandle"
SLUG = "otters-back"
SUMMARY = "Volunteers counted three otters below the old mill."
BOLD = "three otters"
BODY = f"After ten years of clean-ups we saw **{BOLD}** on Sunday.\n\nThanks to everyone."
ALT = "An otter on a rock in the river at dawn"


def field(page: Page, label: str) -> Any:
    """The form field labelled `label` (Django adds a colon to labels)."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}:?$"))


def sign_in(page: Page, base_url: str, user: Any) -> None:
    """Sign in through the real form; a member lands on their organisation's dashboard."""
    page.goto(f"{base_url}/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    field(page, "Email address").fill(user.email)
    field(page, "Password").fill(testing.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base_url}/staff/alices/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")


@pytest.mark.browser
def test_bob_writes_alice_approves_and_a_phone_reader_reads_the_story(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    alice: User,
    org: Organisation,
    bob: User,
    tmp_path: Path,
) -> None:
    update_organisation(testing.membership(alice, org), {"approval_required": True})
    picture = tmp_path / "otter.png"
    picture.write_bytes(testing.image_bytes())
    base = live_server.url

    # --- bob writes, illustrates and submits the story ---------------------------------
    page = new_context().new_page()
    sign_in(page, base, bob)
    page.get_by_role("link", name="Write a story").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Write a story")
    field(page, "Title").fill(TITLE)
    field(page, "Address name").fill(SLUG)
    field(page, "Summary").fill(SUMMARY)
    field(page, "Story (Markdown)").fill(BODY)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Story saved as a draft.")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Edit “{TITLE}”")
    expect(page.locator("main .badge")).to_have_text("Draft")

    field(page, "Image").set_input_files(picture)
    field(page, "Describe the image for people who cannot see it").fill(ALT)
    page.get_by_role("button", name="Upload image").click()
    expect(page.get_by_role("status")).to_contain_text("Image added.")
    expect(page.get_by_role("img", name=ALT)).to_be_visible()

    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("main .badge")).to_have_text("In review")
    expect(page.get_by_text("Waiting for an owner to approve it.")).to_be_visible()
    # An editor may not approve, nor publish past the owner.
    expect(page.get_by_role("button", name="Approve", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Publish", exact=True)).to_have_count(0)

    # --- alice approves it from the queue, then publishes it ---------------------------
    page = new_context().new_page()
    sign_in(page, base, alice)
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Approval queue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Approval queue")
    card = page.locator("section.card").filter(has_text=TITLE)
    expect(card).to_contain_text("By Bob Editor")
    expect(card).to_contain_text(SUMMARY)
    card.get_by_role("button", name="Approve", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("The story is now Approved.")
    expect(page.get_by_text("Nothing is waiting for approval.")).to_be_visible()

    page.get_by_role("navigation", name="Site").get_by_role("link", name="Stories").click()
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Edit “{TITLE}”")
    expect(page.locator("main .badge")).to_have_text("Approved")
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator("main .badge")).to_have_text("Published")
    expect(page.get_by_role("link", name="Public page")).to_have_attribute(
        "href", f"/o/alices/stories/{SLUG}/"
    )

    story = Story.objects.get(organisation=org, slug=SLUG)
    assert story.state == State.PUBLISHED
    assert story.approved_by == alice
    assert story.author == bob
    assert story.published_at is not None
    assert story.cover is not None
    assert story.cover.alt_text == ALT

    # --- a visitor reads it on a phone, without JavaScript -----------------------------
    page = new_context(**PHONE, java_script_enabled=False).new_page()
    page.goto(f"{base}/o/alices/")
    page.get_by_role("link", name=TITLE).click()
    expect(page).to_have_url(f"{base}/o/alices/stories/{SLUG}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator(".story-body strong")).to_have_text(BOLD)
    expect(page.get_by_role("img", name=ALT)).to_be_visible()
    expect(page.get_by_text("Preview: readers cannot see this page")).to_have_count(0)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "story-at-360px.png", full_page=True)

    # The same phone with JavaScript, only to measure the layout: nothing wider than the
    # screen, and the pictures really arrive (not just their alt text).
    page = new_context(**PHONE).new_page()
    for path in ("/o/alices/", f"/o/alices/stories/{SLUG}/"):
        page.goto(base + path)
        for image in page.locator("img").all():  # lazy images load once they are in view
            image.scroll_into_view_if_needed()
        page.wait_for_function("Array.from(document.images).every(img => img.complete)")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} is {width} px wide on a 360 px phone"
        broken = page.evaluate(
            "Array.from(document.images)"
            ".filter(img => !(img.complete && img.naturalWidth > 0))"
            ".map(img => img.currentSrc || img.src)"
        )
        assert broken == [], f"{path} has images that did not load: {broken}"
