"""An event on a phone: story → event → RSVP → share → a referred RSVP, credited to the
sharer on her own page and the staff evangelist page → the reminder email → cancel from it →
the waiting list moves up; email through a real SMTP server, axe at 360 and 1280 px on each
public page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.events import services
from groundswell.events.models import Attendance
from groundswell.stories.services import change_state

from .a11y import DESKTOP, PHONE

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
ON_A_PHONE = {"viewport": PHONE, "is_mobile": True, "has_touch": True}


def local(url: str, live_server: LiveServer) -> str:
    """Links in emails and share links use SITE_URL; the test server has its own port."""
    return url.replace(settings.SITE_URL, live_server.url)


def fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def answer(page: Page, *, name: str, email: str, shot: str) -> None:
    page.get_by_label("First name").fill(name)
    page.get_by_role("textbox", name="Email").fill(email)
    page.get_by_role("button", name="RSVP").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you! We will confirm your place by email"
    )
    fits(page)
    page.screenshot(path=str(ARTIFACTS / f"{shot}-360.png"), full_page=True)
    # No worker runs beside the live server: the test plays it.
    testing.run_periodic("decide_rsvps", "fill_event_places")


def last_to(smtp: testing.LocalSMTPServer, email: str) -> tuple[str, str]:
    message = next(m for m in reversed(smtp.messages) if m["To"] == email)
    return str(message["Subject"]), message.get_body(("plain",)).get_content()


@pytest.mark.browser
def test_story_to_rsvp_to_a_referred_rsvp_to_a_reminder_and_a_cancel_that_moves_the_list(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    smtp_server: testing.LocalSMTPServer,
    owner: Membership,
    axe: Callable[..., None],
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    campaign = testing.make_campaign(owner, title="Clean the Alder", slug="alder")
    story = change_state(
        owner, testing.make_story(owner, campaign=campaign, title="The river is back"), "publish"
    )
    start = (timezone.now() + timedelta(hours=20)).replace(second=0, microsecond=0)
    event = services.create_event(
        owner,
        {
            "campaign": campaign, "title": "Litter pick at Alder Mill",
            "description": "Bring gloves; we bring bags and tea.", "kind": "physical",
            "venue": "Alder Mill car park", "online_url": "", "starts_at": start.astimezone(UTC),
            "ends_at": (start + timedelta(hours=2)).astimezone(UTC),
            "time_zone": "Europe/London", "capacity": 2,
        },
    )  # fmt: skip

    # A reads the story on a phone, goes to the event and answers.
    a = new_context(**ON_A_PHONE).new_page()
    a.goto(live_server.url + story.get_absolute_url())
    a.get_by_role("link", name="Litter pick at Alder Mill").click()
    expect(a.get_by_role("heading", level=1)).to_have_text("Litter pick at Alder Mill")
    expect(a.locator("dl.event-facts")).to_contain_text("Europe/London")
    fits(a)
    a.screenshot(path=str(ARTIFACTS / "event-page-360.png"), full_page=True)
    axe(a, widths=(PHONE, DESKTOP))
    a.set_viewport_size(PHONE)
    answer(a, name="Ana", email="ana@example.net", shot="event-thanks")
    axe(a, widths=(PHONE, DESKTOP))
    a.set_viewport_size(PHONE)
    subject, placed = last_to(smtp_server, "ana@example.net")
    assert subject == "Your place at Litter pick at Alder Mill is confirmed"
    expect(a.locator("section.share")).to_contain_text("Each share button uses your own link")

    # The share step: A's own link brings B, who answers on another phone.
    a_link = a.locator("#copy-link").input_value()
    assert "ref=" in a_link and "ch=copy" in a_link
    b = new_context(**ON_A_PHONE).new_page()
    b.goto(local(a_link, live_server))
    answer(b, name="Ben", email="ben@example.net", shot="event-thanks-b")
    ana = Attendance.objects.get(email="ana@example.net")
    ben = Attendance.objects.get(email="ben@example.net")
    assert ben.state == "going"
    assert ben.referred_by_id == ana.supporter_id
    assert ben.referrer_data["source"] == "copy"

    # A's own page, linked from her email, credits her with Ben's RSVP once ranked.
    testing.run_periodic("rank_evangelists")
    own_page = next(word for word in placed.split() if "/me/" in word)
    a.goto(local(own_page, live_server))
    expect(a.get_by_text("Your sharing brought 1 person to an event.")).to_be_visible()
    credit = a.locator("ul.stats li", has_text="RSVPs brought")
    expect(credit.locator("strong")).to_have_text("1")
    expect(
        a.locator("ul.stats li", has_text="Signatures generated").locator("strong")
    ).to_have_text("0")
    fits(a)
    a.screenshot(path=str(ARTIFACTS / "event-sharer-credit-360.png"), full_page=True)
    axe(a, widths=(PHONE, DESKTOP))
    a.set_viewport_size(PHONE)

    # C comes with JavaScript off and finds the event full: the waiting list.
    c = new_context(**ON_A_PHONE, java_script_enabled=False).new_page()
    c.goto(live_server.url + event.get_absolute_url())
    expect(c.locator("dl.event-facts")).to_contain_text("Full: answer to join the waiting list")
    answer(c, name="Cleo", email="cleo@example.net", shot="event-thanks-c")
    assert last_to(smtp_server, "cleo@example.net")[0] == (
        "You are on the waiting list for Litter pick at Alder Mill"
    )

    # The day before, A is reminded, and cancels from the reminder.
    testing.run_periodic("remind_attendees")
    subject, body = last_to(smtp_server, "ana@example.net")
    assert subject == "Reminder: Litter pick at Alder Mill is tomorrow"
    cancel = next(word for word in body.split() if "/cancel/" in word)
    a.goto(local(cancel, live_server))
    expect(a.get_by_role("heading", level=1)).to_have_text("Cancel your RSVP")
    fits(a)
    axe(a, widths=(PHONE, DESKTOP))
    a.set_viewport_size(PHONE)
    ana.refresh_from_db()
    assert ana.state == "going"  # opening the link changed nothing
    a.get_by_role("button", name="Yes, cancel my RSVP").click()
    expect(a.get_by_role("status")).to_contain_text("You cancelled")
    a.screenshot(path=str(ARTIFACTS / "event-cancelled-360.png"), full_page=True)
    axe(a, widths=(PHONE, DESKTOP))

    # The waiting list moves up: C has the place, and is told.
    testing.run_periodic("fill_event_places")
    assert Attendance.objects.get(email="cleo@example.net").state == "going"
    subject, body = last_to(smtp_server, "cleo@example.net")
    assert subject == "A place at Litter pick at Alder Mill is now yours"
    own = next(word for word in body.split() if "/rsvp/" in word and "/cancel/" not in word)
    c.goto(local(own, live_server))
    expect(c.get_by_role("status")).to_have_text("You have a place.")
    c.screenshot(path=str(ARTIFACTS / "event-moved-up-360.png"), full_page=True)

    # At the door the organiser ticks Ben in from the printable list (a plain form).
    staff = new_context(viewport=DESKTOP).new_page()
    staff.goto(live_server.url + "/accounts/login/")
    staff.get_by_label("Email address").fill("alice@example.org")
    staff.get_by_label("Password").fill(testing.PASSWORD)
    staff.get_by_role("button", name="Sign in").click()
    # The evangelist page ranks Ana by the RSVP her link brought.
    staff.get_by_role("link", name="Evangelists", exact=True).click()
    row = staff.get_by_role("row", name="Ana")
    headings = staff.locator("thead th").all_inner_texts()
    cells = row.locator("td").all_inner_texts()
    assert cells[headings.index("RSVPs brought")] == "1"
    assert cells[headings.index("Signatures generated")] == "0"
    axe(staff, widths=(PHONE, DESKTOP))
    staff.set_viewport_size(DESKTOP)
    staff.get_by_role("link", name="Events", exact=True).click()
    staff.get_by_role("link", name="Litter pick at Alder Mill").click()
    staff.get_by_role("link", name="Attendees and check-in").click()
    axe(staff, widths=(PHONE, DESKTOP))
    staff.get_by_role("button", name="Check in Ben").click()
    expect(staff.get_by_role("status")).to_contain_text("1 of 2 people with a place have arrived")
    staff.screenshot(path=str(ARTIFACTS / "event-door-list-1280.png"), full_page=True)
    assert Attendance.objects.get(email="ben@example.net").checked_in_at is not None
    # Printed, the list is the list: no site navigation around it.
    staff.emulate_media(media="print")
    assert not staff.locator("header.site").is_visible()
    assert staff.get_by_role("table").is_visible()
    staff.screenshot(path=str(ARTIFACTS / "event-door-list-print.png"), full_page=True)
