"""End to end in a real browser: a fediverse reply is held, approved and shown, reportable.

Two replies reach the organisation's inbox signed as Mastodon signs them and go through
the real processing (verification, the guard, the queue). A moderator on a 360 px phone
approves the clean one, cannot approve the one with a phone number in bulk and rejects it
with a reason; a reader without JavaScript sees the approved reply under the story with
its "Report this" link. Every page passes axe-core at 360 px and 1280 px.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation
from groundswell.audit.models import AuditEntry
from groundswell.federation import documents
from groundswell.federation.models import Interaction
from groundswell.federation.tests.peers import MastoActor, Peer
from groundswell.federation.tests.test_inbox import reply
from groundswell.moderation.models import ModerationItem
from groundswell.stories.services import change_state

from .a11y import PHONE as PHONE_SIZE
from .a11y import WIDTHS
from .test_browser_pages_fit import open_staff_page

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
KIND_WORDS = "What a sight: three otters below the mill this morning!"
PRIVATE = "Ring the man at number 9 on 07700 900123 and tell him"


@pytest.fixture
def zoe() -> Iterator[MastoActor]:
    server = Peer()
    yield server.add_actor("zoe")
    server.stop()


def deliver(actor: MastoActor, activity: dict[str, object]) -> None:
    """POST to the shared inbox exactly as Mastodon does; the worker's task runs at once."""
    raw = json.dumps(activity).encode()
    headers = actor.sign(documents.site_url() + "/ap/inbox", raw)
    content_type = headers.pop("Content-Type")
    response = Client().post("/ap/inbox", data=raw, content_type=content_type, headers=headers)
    assert response.status_code == 202


def shoot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for size in WIDTHS:
        page.set_viewport_size(size)
        page.screenshot(path=ARTIFACTS / f"{name}-{size['width']}px.png", full_page=True)


@pytest.mark.browser
def test_a_reply_is_held_approved_by_a_moderator_and_shown_with_a_report_link(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    org: Organisation,
    owner: Membership,
    zoe: MastoActor,
    axe: Callable[..., None],
) -> None:
    story = change_state(owner, testing.make_story(owner, title="Otters are back"), "publish")
    deliver(zoe, reply(zoe, story, 1, content=f"<p>{KIND_WORDS}</p>"))
    deliver(zoe, reply(zoe, story, 2, content=f"<p>{PRIVATE}</p>"))
    kind, private = (
        Interaction.objects.select_related("moderation").get(object_uri=f"{zoe.uri}/statuses/{n}")
        for n in (1, 2)
    )
    assert kind.moderation is not None and private.moderation is not None
    assert kind.moderation.state == private.moderation.state == "pending"
    mo = testing.make_user("mo@example.org", "Mo Moderator")
    testing.add_member(org, mo, "moderator")
    base = live_server.url
    story_url = base + story.get_absolute_url()

    # --- held: nobody sees the replies yet -------------------------------------------------
    reader = new_context(**PHONE, java_script_enabled=False).new_page()
    reader.goto(story_url)
    expect(reader.get_by_text(KIND_WORDS)).to_have_count(0)

    # --- the moderator decides on a phone ----------------------------------------------
    page = new_context(**PHONE).new_page()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email address").fill(mo.email)
    page.get_by_label("Password").fill(testing.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{base}/staff/alices/")
    open_staff_page(page, "Moderation")
    expect(page.get_by_role("heading", level=1)).to_have_text("Moderation queue")
    flagged = page.locator("section.mod-item").filter(has_text="07700")
    expect(flagged.locator("mark")).to_have_text("07700 900123")
    expect(flagged).to_contain_text("A phone number")
    shoot(page, "moderation-queue")
    axe(page)
    page.set_viewport_size(PHONE_SIZE)

    # Both ticked and approved in bulk: the flagged one stays held.
    page.get_by_role("checkbox").nth(0).check()
    page.get_by_role("checkbox").nth(1).check()
    page.get_by_role("button", name="Approve selected").click()
    expect(page.get_by_role("status")).to_contain_text("Approved 1 item.")
    expect(page.get_by_role("status")).to_contain_text("1 item is held")
    # Rejecting needs a reason: the GOV.UK error summary says so, the tick is kept.
    page.get_by_role("checkbox").first.check()
    page.get_by_role("button", name="Reject selected").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.get_by_role("checkbox").first).to_be_checked()
    axe(page)
    page.set_viewport_size(PHONE_SIZE)
    page.get_by_label("Reason, if you reject them").fill("Gives out a private number")
    page.get_by_role("button", name="Reject selected").click()
    expect(page.get_by_role("status")).to_contain_text("Rejected 1 item.")
    expect(page.get_by_text("Nothing here.")).to_be_visible()

    # The item's page keeps the author's history.
    page.goto(f"{base}/staff/alices/moderation/{kind.moderation.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Fediverse reply by Zoe")
    history = page.get_by_role("region", name="The author's history")
    expect(history).to_contain_text("Gives out a private number")
    shoot(page, "moderation-item")
    axe(page)

    states = dict(ModerationItem.objects.values_list("pk", "state"))
    assert states == {kind.moderation.pk: "approved", private.moderation.pk: "rejected"}
    assert AuditEntry.objects.filter(action="moderation.approve", actor=mo).count() == 1
    assert AuditEntry.objects.filter(action="moderation.reject", actor=mo).count() == 1

    # --- a reader on a phone, without JavaScript ---------------------------------------
    reader.goto(story_url)
    replies = reader.get_by_role("region", name="1 reply from the fediverse")
    expect(replies).to_contain_text(KIND_WORDS)
    expect(reader.get_by_text(PRIVATE)).to_have_count(0)
    report = replies.get_by_role("link", name="Report this")
    expect(report).to_have_attribute("href", f"/o/alices/report/{kind.moderation.pk}/")
    width = reader.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the story is {width} px wide on a 360 px phone"
    shoot(reader, "story-with-reply")
    reader.set_viewport_size(PHONE_SIZE)
    report.click()
    expect(reader.get_by_role("heading", level=1)).to_have_text("Report this")
    reader.get_by_role("button", name="Send the report").click()
    expect(reader).to_have_title(re.compile(r"^Error: "))
    expect(reader.locator(".error-summary")).to_contain_text("Tell us what is wrong with it.")
    shoot(reader, "report-form-error")
    assert ModerationItem.objects.get(pk=kind.moderation.pk).state == "approved"

    # axe-core needs JavaScript: the same pages in a browser that runs it.
    checker = new_context(**PHONE).new_page()
    checker.goto(story_url)
    axe(checker)
    checker.goto(f"{base}/o/alices/report/{kind.moderation.pk}/")
    checker.get_by_role("button", name="Send the report").click()
    expect(checker.locator(".error-summary")).to_be_focused()
    axe(checker)
