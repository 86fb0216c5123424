"""End to end on a 360 px phone without JavaScript: a story the safety guard flags.

alice (owner) sees the flagged passage marked with its reason and cannot publish; sami (the
safety officer) reads the same check and lets the text out with a written reason; alice
publishes, and the audit log says who decided; the reason stays on the story's safety page
(a reason may name the person, so the audit summary does not repeat it).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from groundswell import testing
from groundswell.accounts.models import Organisation, User
from groundswell.safety.models import SafetyOverride
from groundswell.stories.models import Story
from groundswell.stories.workflow import State

from .test_browser_story_flow import field

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}

NUMBER = "07700 900123"
TITLE = "The van on Mill Lane"
BODY = f"Neighbours say the van is back. Ring the organiser on {NUMBER} if you see it."
REASON = "The number is our own campaign line, printed on every leaflet."


def sign_in(page: Page, base_url: str, user: User) -> None:
    page.goto(f"{base_url}/accounts/login/")
    field(page, "Email address").fill(user.email)
    field(page, "Password").fill(testing.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base_url}/staff/alices/")


def fits(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} is {width} px wide on a 360 px phone"


@pytest.mark.browser
def test_a_flagged_story_is_marked_blocked_let_out_with_a_reason_and_audited(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    axe: Callable[..., None],
    alice: User,
    org: Organisation,
) -> None:
    sami = testing.make_user("sami@example.org", "Sami Safety")
    testing.add_member(org, sami, "safety_officer")
    story = testing.make_story(
        testing.membership(alice, org), title=TITLE, slug="van", summary="", body=BODY
    )
    base = live_server.url
    edit_url = f"{base}/staff/alices/stories/{story.pk}/"

    # --- alice sees the passage marked, with its reason in words, and cannot publish --------
    page = new_context(**PHONE, java_script_enabled=False).new_page()
    sign_in(page, base, alice)
    page.goto(edit_url)
    panel = page.get_by_role("region", name="Safety check")
    expect(panel).to_contain_text("Flagged: 1 passage may name or expose a private person.")
    expect(panel.locator("mark")).to_have_text(NUMBER)
    expect(panel.locator(".flag-reason")).to_contain_text("[1: A phone number")
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("The safety check flagged 1 passage")
    expect(page.get_by_role("status")).to_contain_text(f"“{NUMBER}”")
    expect(page.locator("main .badge").first).to_have_text("Draft")
    story.refresh_from_db()
    assert story.state == State.DRAFT
    fits(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "safety-blocked-360px.png", full_page=True)

    # --- sami, the safety officer, lets it out with a reason ---------------------------------
    officer = new_context(**PHONE, java_script_enabled=False).new_page()
    sign_in(officer, base, sami)
    officer.goto(edit_url)
    panel = officer.get_by_role("region", name="Safety check")
    expect(panel.locator("mark")).to_have_text(NUMBER)
    # A reason is required: a blank one (the browser lets spaces through) fails the GOV.UK
    # way on the server and records nothing.
    field(officer, "Why may this go out although it was flagged?").fill("   ")
    panel.get_by_role("button", name="Let it out with this reason").click()
    expect(officer).to_have_title(f"Error: Safety check: {TITLE} — Alice's Campaigners · Staff")
    expect(officer.locator(".error-summary")).to_contain_text("This field is required.")
    assert not SafetyOverride.objects.exists()
    field(officer, "Why may this go out although it was flagged?").fill(REASON)
    officer.get_by_role("button", name="Let it out with this reason").click()
    expect(officer.get_by_role("status")).to_contain_text("Recorded")
    panel = officer.get_by_role("region", name="Safety check")
    expect(panel).to_contain_text("Flagged, and let out:")
    expect(panel).to_contain_text(REASON)
    fits(officer)
    ARTIFACTS.mkdir(exist_ok=True)
    officer.screenshot(path=ARTIFACTS / "safety-check-360px.png", full_page=True)
    officer.set_viewport_size({"width": 1280, "height": 900})
    officer.screenshot(path=ARTIFACTS / "safety-check-1280px.png", full_page=True)

    # --- alice publishes it now, and reads who decided in the audit log ----------------------
    page.goto(edit_url)
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator("main .badge").first).to_have_text("Published")
    story.refresh_from_db()
    assert story.state == State.PUBLISHED
    page.goto(f"{base}/staff/alices/audit/")
    entry = page.locator("main").get_by_text("Let flagged text out (phone)")
    expect(entry).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(REASON)
    expect(page.locator("main")).to_contain_text(sami.email)
    page.goto(f"{base}/staff/alices/stories/{story.pk}/safety/")
    expect(page.get_by_role("region", name="Safety check")).to_contain_text(REASON)
    fits(page)
    page.screenshot(path=ARTIFACTS / "safety-audit-360px.png", full_page=True)

    # The marked page, flagged and blocked, meets WCAG 2.1 AA at both widths.
    flagged = testing.make_story(
        testing.membership(alice, org), title="Second", slug="second", body=BODY
    )
    checker = new_context(**PHONE).new_page()
    sign_in(checker, base, alice)
    checker.goto(f"{base}/staff/alices/stories/{flagged.pk}/")
    expect(checker.locator("mark")).to_have_text(NUMBER)
    axe(checker)
    assert Story.objects.get(pk=flagged.pk).state == State.DRAFT
