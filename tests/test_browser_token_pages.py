"""The pages behind the links in a supporter's emails, in Chromium: every button works.

Chromium sends `Origin: null` with a form POST from a page whose referrer policy is
`no-referrer`, and Django's CSRF check refuses that; these pages must say `same-origin`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from groundswell import testing
from groundswell.actions.models import Petition, SignatureState
from groundswell.actions.services import SignatureRequest, sign_petition
from groundswell.supporters.models import Supporter
from groundswell.supporters.services import standing_updates_consent
from groundswell.testing import SIGNING, run_periodic

SHOTS = Path("/tmp/gs-supp-shots")
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def emailed_links(smtp_server: testing.LocalSMTPServer, live_server: LiveServer) -> dict[str, str]:
    part = smtp_server.messages[-1].get_body(("plain",))
    assert part is not None
    body = part.get_content()
    found = {}
    for kind, fragment in (("confirm", "/confirm/"), ("me", "/me/"), ("unsubscribe", "/unsub")):
        url = next(word for word in body.split() if fragment in word)
        found[kind] = url.replace(settings.SITE_URL, live_server.url)
    return found


@pytest.fixture
def asha_links(
    petition: Petition, smtp_server: testing.LocalSMTPServer, live_server: LiveServer
) -> dict[str, str]:
    sign_petition(
        petition,
        SignatureRequest(email="asha@example.net", given_name="Asha", wants_updates=True),
    )
    run_periodic("send_confirmations")  # as the worker would
    SHOTS.mkdir(exist_ok=True)
    return emailed_links(smtp_server, live_server)


def fits(page: Page) -> None:
    assert page.viewport_size is not None
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def check(page: Page, axe: Callable[..., None], shot: str) -> None:
    """A screenshot to look at, no sideways scrolling, and axe at both widths."""
    page.screenshot(path=str(SHOTS / shot), full_page=True)
    fits(page)
    size = page.viewport_size
    assert size is not None
    axe(page)  # resizes the page to each width it checks
    page.set_viewport_size(size)


@pytest.mark.browser
@pytest.mark.parametrize("size", ["360", "1280"])
def test_every_button_behind_the_emailed_links_works_in_chromium(
    new_context: Callable[..., BrowserContext],
    asha_links: dict[str, str],
    axe: Callable[..., None],
    size: str,
) -> None:
    page = new_context(**(PHONE if size == "360" else DESKTOP)).new_page()

    response = page.goto(asha_links["confirm"])
    assert response is not None
    assert response.headers["referrer-policy"] == "same-origin"
    check(page, axe, f"confirm-{size}.png")
    assert Supporter.objects.get().signatures.get().state == SignatureState.PENDING
    page.get_by_role("button", name="Confirm my signature").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your signature is confirmed")
    assert Supporter.objects.get().signatures.get().state == SignatureState.CONFIRMED

    response = page.goto(asha_links["me"])
    assert response is not None
    assert response.headers["referrer-policy"] == "same-origin"
    assert page.locator("meta[name=referrer]").count() == 0
    page.get_by_label("Show my first name on the campaign's public leaderboard").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Your choice is saved.")
    expect(
        page.get_by_label("Show my first name on the campaign's public leaderboard")
    ).to_be_checked()
    check(page, axe, f"me-saved-{size}.png")
    assert Supporter.objects.get().public_leaderboard is True

    response = page.goto(asha_links["unsubscribe"])
    assert response is not None
    assert response.headers["referrer-policy"] == "same-origin"
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are unsubscribed")
    check(page, axe, f"unsubscribed-{size}.png")
    assert not standing_updates_consent(Supporter.objects.get())


@pytest.mark.browser
def test_a_supporter_downloads_then_erases_their_data_on_a_phone(
    new_context: Callable[..., BrowserContext], asha_links: dict[str, str], axe: Callable[..., None]
) -> None:
    import json

    page = new_context(**PHONE, accept_downloads=True).new_page()
    page.goto(asha_links["me"])
    with page.expect_download() as download:
        page.get_by_role("link", name="Download your data (JSON)").click()
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert data["supporter"]["email"] == "asha@example.net"
    assert len(data["signatures"]) == 1

    page.get_by_role("link", name="Erase your data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Erase your data?")
    check(page, axe, "erase-ask-360.png")
    assert Supporter.objects.get().erased_at is None
    page.get_by_role("button", name="Erase my data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your data is erased")
    check(page, axe, "erase-done-360.png")
    supporter = Supporter.objects.get()
    assert supporter.erased_at is not None and supporter.email == ""

    response = page.goto(asha_links["me"])
    assert response is not None
    assert response.status == 410
    expect(page.get_by_role("heading", level=1)).to_have_text("This link no longer works")
    check(page, axe, "erased-link-360.png")


@pytest.mark.browser
@pytest.mark.parametrize("size", ["360", "1280"])
def test_signing_again_says_so_by_email_not_on_the_page(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    petition: Petition,
    smtp_server: testing.LocalSMTPServer,
    axe: Callable[..., None],
    size: str,
) -> None:
    SHOTS.mkdir(exist_ok=True)
    page = new_context(**(PHONE if size == "360" else DESKTOP)).new_page()
    for _attempt in ("first", "again"):
        page.goto(live_server.url + petition.get_absolute_url())
        page.get_by_label("First name").fill("Asha")
        page.get_by_role("textbox", name="Email").fill("asha@example.net")
        page.locator("input[name=consent]").check()
        page.get_by_role("button", name="Sign the petition").click()
        page.get_by_role("heading", level=1).wait_for()
        run_periodic(*SIGNING)  # the worker's turn
    # The page is the one anyone gets: only the address's inbox hears that it had signed.
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you! Now check your email")
    check(page, axe, f"thanks-repeat-{size}.png")
    assert [m["Subject"] for m in smtp_server.messages] == [
        f"Please confirm your signature: {petition.title}",
        f"You have already signed: {petition.title}",
    ]
