"""The signing moment on a phone: the count and a way to sign on the first screen, errors
the GOV.UK way, and what a reader can do from a story."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.campaigns.models import Campaign
from groundswell.campaigns.services import create_campaign
from groundswell.lib.images import process_image
from groundswell.stories.services import change_state

SHOTS = Path("/tmp/groundswell-shots")
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def campaign_with_cover(owner: Membership) -> Campaign:
    cover = process_image(io.BytesIO(testing.image_bytes(size=(1600, 900))), name="cover")
    data = {
        "title": "Clean Rivers Now for Every Town Along the Wandle and the Thames",
        "slug": "clean-rivers",
        "status": "live",
        "summary": "Rivers clean enough to swim in by 2030: no more sewage after rain.",
        "cover_alt": "The river below the old mill",
    }
    return create_campaign(owner, data, cover=cover)


def within_first_screen(page: Page, selector: str) -> None:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    assert box["y"] >= -1 and box["y"] + box["height"] <= 740, (selector, box)
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360, (selector, box)


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.browser
def test_the_count_and_a_sign_button_are_on_a_phones_first_screen(
    live_server: LiveServer, new_context: Callable[..., BrowserContext], owner: Membership
) -> None:
    campaign = campaign_with_cover(owner)
    petition = testing.make_petition(owner, campaign, title="Stop the sewage in our rivers now")
    testing.make_petition(owner, campaign, title="Fund river rangers for every borough")
    page = new_context(**PHONE).new_page()
    for url in (campaign.get_absolute_url(), petition.get_absolute_url() + "?ref=x&ch=whatsapp"):
        page.goto(live_server.url + url)
        callout = f'.callout:has(a[href="#petition-{petition.pk}-form"])'
        within_first_screen(page, f"{callout} .callout-count strong")
        within_first_screen(page, f'{callout} a[href="#petition-{petition.pk}-form"]')
        shoot(page, "first-screen-" + url.strip("/").split("?")[0].replace("/", "-"))
        # The button jumps to the form: its first field is then on screen.
        page.locator(f'{callout} a[href="#petition-{petition.pk}-form"]').click()
        expect(page).to_have_url(f"{live_server.url}{url}#petition-{petition.pk}-form")
        within_first_screen(
            page, f"#petition-{petition.pk}-form label[for=p{petition.pk}-given_name]"
        )


@pytest.mark.browser
def test_a_mistake_is_summarised_focused_and_linked_to_its_field(
    live_server: LiveServer, new_context: Callable[..., BrowserContext], owner: Membership
) -> None:
    campaign = campaign_with_cover(owner)
    petition = testing.make_petition(owner, campaign)
    for name, options in (("360", PHONE), ("1280", DESKTOP)):
        page = new_context(**options, java_script_enabled=False).new_page()
        page.goto(live_server.url + campaign.get_absolute_url())
        form = page.locator(f"#petition-{petition.pk}-form")
        form.get_by_label("Last name").fill("Verma")
        form.get_by_role("textbox", name="Email").fill("asha@example")
        form.get_by_role("button", name="Sign the petition").click()

        expect(page).to_have_url(f"{live_server.url}/o/alices/petitions/{petition.pk}/sign/")
        expect(page).to_have_title(f"Error: {petition.title} — Alice's Campaigners")
        summary = page.locator(".error-summary")
        expect(summary).to_be_focused()
        expect(summary.get_by_role("heading")).to_have_text("There is a problem")
        expect(page.get_by_label("Last name")).to_have_value("Verma")
        shoot(page, f"sign-error-{name}")
        # Each link in the summary leads to its field; each field is described by its message.
        summary.get_by_role("link", name="Enter your first name.").click()
        first_name = page.get_by_label("First name")
        expect(first_name).to_be_focused()
        expect(first_name).to_have_accessible_description("Error: Enter your first name.")
        email = page.get_by_role("textbox", name="Email")
        expect(email).to_have_accessible_description(
            "We send you a link to confirm your signature. Error: The part after @ needs a dot, "
            "like example.org."
        )
        if name == "360":
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            # Correct it and sign: the form works from the error page.
            first_name.fill("Asha")
            email.fill("asha@example.net")
            page.locator("input[name=consent]").check()
            page.get_by_role("button", name="Sign the petition").click()
            expect(page.get_by_role("heading", level=1)).to_have_text(
                "Thank you! Now check your email"
            )


@pytest.mark.browser
def test_a_story_ends_with_its_petition_and_share_buttons(
    live_server: LiveServer, new_context: Callable[..., BrowserContext], owner: Membership
) -> None:
    campaign = campaign_with_cover(owner)
    petition = testing.make_petition(owner, campaign)
    story = testing.make_story(owner, campaign=campaign)
    change_state(owner, story, "publish")
    page = new_context(**PHONE).new_page()
    page.goto(live_server.url + story.get_absolute_url())
    sign = page.locator(f"#petition-{petition.pk}-form")
    expect(sign.get_by_role("button", name="Sign the petition")).to_be_visible()
    share = page.get_by_role("region", name="Share this story")
    button = share.get_by_role("link", name="WhatsApp").get_attribute("href")
    assert button is not None
    # The button counts the click (analytics) and sends the browser on to WhatsApp.
    whatsapp = page.request.get(live_server.url + button, max_redirects=0).headers["location"]
    assert whatsapp.startswith("https://wa.me/?text=The%20river%20at%20dawn%20")
    assert whatsapp.endswith(quote(f"{story.get_absolute_url()}?ch=whatsapp"))
    shoot(page, "story-360")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
