"""An idea on a phone: given → confirmed → approved by a moderator → a vote through the
author's share link → a status from staff → the email to those who took part. No worker
runs beside the live server, so the test plays it (testing.run_periodic)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation
from groundswell.ideas.models import Idea, StatusDelivery, Vote, VoteState
from groundswell.ideas.tests.conftest import make_challenge

from .a11y import DESKTOP, PHONE

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
ON_A_PHONE = {"viewport": PHONE, "is_mobile": True, "has_touch": True}
WORK = ("process_vote_intake", "send_vote_confirmations", "moderate_ideas", "recount_ideas")


def fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def shoot(page: Page, name: str) -> None:
    fits(page)
    page.screenshot(path=str(ARTIFACTS / f"ideas-{name}-360.png"), full_page=True)


def check(page: Page, axe: Callable[..., None]) -> None:
    axe(page, widths=(PHONE, DESKTOP))
    page.set_viewport_size(PHONE)


def confirm_by_email(page: Page, smtp: testing.LocalSMTPServer, live: str) -> None:
    link = smtp.links("/ideas/confirm/")[-1]
    assert link.startswith(live)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: confirmed")


@pytest.mark.browser
def test_an_idea_is_approved_voted_for_through_a_share_link_and_its_status_emailed(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    smtp_server: testing.LocalSMTPServer,
    settings: Settings,
    org: Organisation,
    owner: Membership,
    axe: Callable[..., None],
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    settings.SITE_URL = live_server.url
    base = live_server.url
    challenge = make_challenge(owner)

    # --- Rosa gives an idea on her phone -------------------------------------------------
    rosa = new_context(**ON_A_PHONE).new_page()
    rosa.goto(base + challenge.get_absolute_url())
    expect(rosa.get_by_role("heading", level=1)).to_have_text(challenge.question)
    check(rosa, axe)
    rosa.get_by_role("button", name="Send my idea").click()  # empty: the GOV.UK summary
    expect(rosa).to_have_title(__import__("re").compile(r"^Error: "))
    expect(rosa.locator(".error-summary")).to_be_focused()
    check(rosa, axe)
    rosa.get_by_label("Your idea in a line").fill("Stepping stones at the ford")
    rosa.get_by_label("Tell us more").fill("Put stepping stones back where the old ford was.")
    rosa.get_by_label("First name").fill("Rosa")
    rosa.get_by_role("textbox", name="Email").fill("rosa.quint@example.net")
    rosa.get_by_role("checkbox").check()
    shoot(rosa, "give")
    rosa.get_by_role("button", name="Send my idea").click()
    expect(rosa.get_by_role("heading", level=1)).to_have_text("Thank you! Now check your email")
    confirm_by_email(rosa, smtp_server, base)
    testing.run_periodic(*WORK)  # the worker hands it to the moderation queue
    idea = Idea.objects.get()
    assert idea.moderation is not None and idea.language == "en"

    # --- a moderator approves it ----------------------------------------------------------
    staff = new_context(**ON_A_PHONE).new_page()
    staff.goto(f"{base}/accounts/login/")
    staff.get_by_label("Email address").fill(owner.user.email)
    staff.get_by_label("Password").fill(testing.PASSWORD)
    staff.get_by_role("button", name="Sign in").click()
    staff.goto(f"{base}/staff/{org.slug}/moderation/")
    item = staff.locator("section.mod-item").filter(has_text="Stepping stones")
    item.get_by_role("checkbox").check()
    staff.get_by_role("button", name="Approve selected").click()
    expect(staff.get_by_role("status")).to_contain_text("Approved 1 item.")

    # --- Rosa shares her idea; Omar votes through her link on his phone ------------------
    rosa.goto(base + idea.get_absolute_url())
    expect(rosa.get_by_role("heading", level=1)).to_have_text("Stepping stones at the ford")
    check(rosa, axe)
    shoot(rosa, "idea")
    # The hours box is a box a thumb can use, and words in it get a message, not a blank.
    hours = rosa.get_by_label("Hours of your time, if this happens")
    box = hours.bounding_box()
    assert box is not None and box["width"] >= 88 and box["height"] >= 40, box
    hours.fill("2 hours")
    rosa.get_by_role("button", name="Make my pledge").click()
    expect(rosa.locator(".error-summary")).to_contain_text("Type the hours as a whole number")
    expect(rosa.get_by_label("Hours of your time, if this happens")).to_have_value("2 hours")
    fits(rosa)
    link = f"{base}{idea.get_absolute_url()}?ref={idea.share_token}&ch=whatsapp"
    omar = new_context(**ON_A_PHONE).new_page()
    omar.goto(link)
    vote = omar.locator("form", has=omar.get_by_role("button", name="Vote"))
    vote.get_by_label("First name").fill("Omar")
    vote.get_by_role("textbox", name="Email").fill("omar.vale@example.net")
    vote.get_by_role("checkbox").check()
    vote.get_by_role("button", name="Vote").click()
    expect(omar.get_by_role("heading", level=1)).to_have_text("Thank you! Now check your email")
    check(omar, axe)
    shoot(omar, "voted")
    testing.run_periodic(*WORK)
    confirm_by_email(omar, smtp_server, base)
    testing.run_periodic(*WORK)
    counted = Vote.objects.get()
    assert counted.state == VoteState.CONFIRMED
    assert counted.referred_by_id == idea.supporter_id and counted.channel == "whatsapp"
    omar.goto(base + idea.get_absolute_url())
    expect(omar.locator(".stats li").first).to_have_text("1 confirmed vote")

    # --- staff give it a status with a reason; both hear of it by email -----------------
    staff.goto(f"{base}/staff/{org.slug}/ideas/idea/{idea.pk}/")
    staff.get_by_label("Status").select_option("accepted")
    staff.get_by_label("Why").fill("The parish council will fund the stones in spring.")
    staff.get_by_role("button", name="Set status").click()
    expect(staff.get_by_role("status")).to_contain_text("Status set.")
    check(staff, axe)
    before = len(smtp_server.messages)
    testing.run_periodic("send_idea_updates")
    news = smtp_server.messages[before:]
    assert sorted(message["To"] for message in news) == [
        "omar.vale@example.net",
        "rosa.quint@example.net",
    ]
    assert all("Accepted" in str(message["Subject"]) for message in news)
    testing.run_periodic("send_idea_updates")  # nobody hears twice
    assert len(smtp_server.messages) == before + 2
    assert StatusDelivery.objects.filter(state="sent").count() == 2
    omar.reload()
    expect(omar.get_by_text("The parish council will fund the stones in spring.")).to_be_visible()
    check(omar, axe)
    shoot(omar, "status")
