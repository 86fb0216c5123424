"""axe-core (WCAG 2.1 A and AA) on the public pages of the act-and-share loop and on staff
pages, each at 360 px and 1280 px."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect
from pytest_django.live_server_helper import LiveServer

from groundswell import testing
from groundswell.accounts.models import Membership, User
from groundswell.actions.models import Petition
from groundswell.campaigns.models import Campaign
from groundswell.campaigns.services import create_campaign
from groundswell.lib.images import process_image
from groundswell.stories.models import Story
from groundswell.stories.services import change_state

from .a11y import violations


def live_campaign(owner: Membership) -> tuple[Campaign, Petition, Story]:
    cover = process_image(io.BytesIO(testing.image_bytes(size=(1600, 900))), name="cover")
    data = {
        "title": "Clean Rivers Now",
        "slug": "clean-rivers",
        "status": "live",
        "summary": "Rivers clean enough to swim in by 2030.",
        "cover_alt": "The river below the old mill",
    }
    campaign = create_campaign(owner, data, cover=cover)
    petition = testing.make_petition(owner, campaign)
    testing.make_petition(owner, campaign, title="Fund river rangers")
    story = testing.make_story(owner, campaign=campaign)
    change_state(owner, story, "publish")
    return campaign, petition, story


@pytest.mark.browser
def test_axe_finds_nothing_on_the_public_pages_of_the_loop(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    owner: Membership,
    axe: Callable[..., None],
) -> None:
    campaign, petition, story = live_campaign(owner)
    page = new_context().new_page()
    for path in (
        campaign.get_absolute_url(),
        petition.get_absolute_url() + "?ref=abc&ch=whatsapp",  # a friend's share link
        story.get_absolute_url(),
    ):
        page.goto(live_server.url + path)
        axe(page)
    # The form with mistakes, then the thank-you page with its share buttons and next actions.
    page.goto(live_server.url + petition.get_absolute_url())
    page.get_by_role("button", name="Sign the petition").click()
    expect(page.locator(".error-summary")).to_be_visible()
    axe(page)
    page.get_by_label("First name").fill("Ana")
    page.get_by_role("textbox", name="Email").fill("ana@example.net")
    page.locator("input[name=consent]").check()
    page.get_by_role("button", name="Sign the petition").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you! Now check your email")
    axe(page)


@pytest.mark.browser
def test_axe_finds_nothing_on_staff_pages(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    owner: Membership,
    alice: User,
    axe: Callable[..., None],
) -> None:
    live_campaign(owner)
    page = new_context().new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email address").fill(alice.email)
    page.get_by_label("Password").fill(testing.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    for path in (
        "/staff/alices/petitions/",
        "/staff/alices/stories/",
        "/staff/alices/evangelists/",
    ):
        page.goto(live_server.url + path)
        axe(page)
    # A staff form sent with mistakes: the shared error summary and messages.
    page.goto(live_server.url + "/staff/alices/campaigns/new/")
    page.get_by_label("Title").fill("Safe Streets")
    page.get_by_label("Address name").fill("not a slug!")
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator(".error-summary")).to_be_focused()
    page.screenshot(path="/tmp/groundswell-shots/staff-form-error.png", full_page=True)
    axe(page)


@pytest.mark.browser
def test_the_axe_check_catches_a_violation(
    live_server: LiveServer, new_context: Callable[..., BrowserContext], owner: Membership
) -> None:
    """The harness itself: an image without alt text on a real page is reported."""
    campaign, _petition, _story = live_campaign(owner)
    page = new_context().new_page()
    page.goto(live_server.url + campaign.get_absolute_url())
    page.evaluate("document.querySelector('figure img').removeAttribute('alt')")
    assert "image-alt" in [found["id"] for found in violations(page)]
