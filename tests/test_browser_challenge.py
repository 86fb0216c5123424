"""Signing a petition under attack, at 360 px and 1280 px: with JavaScript the browser solves
the proof of work and the signature waits as usual; without it the signature is taken and
waits unverified, out of the public count, until its email is confirmed. axe-core checks
the form with its hidden field and the check's status line."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import BrowserContext, Page, Route, expect
from pytest_django.live_server_helper import LiveServer

from groundswell import testing
from groundswell.accounts.models import Membership, User
from groundswell.actions import intake
from groundswell.actions.models import Petition, Signature
from groundswell.actions.petitions import set_challenge
from groundswell.actions.services import recount
from groundswell.actions.signals import Signal

from .a11y import DESKTOP, PHONE
from .test_browser_pages_fit import sign_in

SHOTS = Path("/tmp/groundswell-shots")
SIZES: dict[str, dict[str, Any]] = {
    "360": {"viewport": PHONE, "is_mobile": True, "has_touch": True},
    "1280": {"viewport": DESKTOP},
}
UNVERIFIED_TEXT = "your signature is not counted until you confirm it"


@pytest.fixture
def guarded(owner: Membership) -> Petition:
    petition = testing.make_petition(owner, testing.make_campaign(owner))
    set_challenge(owner, petition, on=True)  # at the real difficulty
    intake.forget_cached_petitions()
    return petition


def fill(page: Page, petition: Petition, *, name: str, email: str) -> None:
    form = page.locator(f"#petition-{petition.pk}-form")
    form.get_by_label("First name").fill(name)
    form.get_by_role("textbox", name="Email").fill(email)
    form.locator("input[name=consent]").check()


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def confirm(page: Page, smtp_server: testing.LocalSMTPServer, email: str, live: str) -> None:
    message = next(m for m in reversed(smtp_server.messages) if m["To"] == email)
    body = message.get_body(("plain",)).get_content()
    link = next(word for word in body.split() if "/confirm/" in word)
    page.goto(link.replace(settings.SITE_URL, live))
    page.get_by_role("button", name="Confirm my signature").click()
    page.get_by_role("heading", name="Your signature is confirmed").wait_for()


def signature_of(email: str) -> Signature:
    testing.run_periodic(*testing.SIGNING)  # no worker runs beside the live server
    return Signature.objects.get(supporter__email=email)


@pytest.mark.browser
@pytest.mark.parametrize("size", sorted(SIZES))
def test_with_javascript_the_check_is_solved_and_the_signature_waits_as_usual(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    smtp_server: testing.LocalSMTPServer,
    guarded: Petition,
    axe: Callable[..., None],
    size: str,
) -> None:
    page = new_context(**SIZES[size]).new_page()
    page.goto(live_server.url + guarded.get_absolute_url())
    axe(page)  # the hidden field, the script and the status line add no violation
    email = f"ana.{size}@example.net"
    fill(page, guarded, name="Ana", email=email)
    started = time.monotonic()
    page.get_by_role("button", name="Sign the petition").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you! Now check your email")
    took = time.monotonic() - started
    assert UNVERIFIED_TEXT not in page.content()
    shoot(page, f"challenge-solved-thanks-{size}")
    signature = signature_of(email)
    assert not signature.signals & (Signal.NO_PROOF | Signal.REPLAY), Signal(signature.signals)
    assert signature.proof_key  # recorded, so a second use would be seen
    tally = recount(guarded.pk)
    assert (tally.pending, tally.unverified) == (1, 0)
    assert took < 10, took


@pytest.mark.browser
@pytest.mark.parametrize("size", sorted(SIZES))
def test_without_javascript_the_signature_waits_unverified_until_confirmed(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    smtp_server: testing.LocalSMTPServer,
    guarded: Petition,
    axe: Callable[..., None],
    size: str,
) -> None:
    page = new_context(**SIZES[size], java_script_enabled=False).new_page()
    page.goto(live_server.url + guarded.get_absolute_url())
    expect(page.get_by_text("Without it you can still sign")).to_be_visible()
    shoot(page, f"challenge-nojs-form-{size}")
    email = f"nojs.{size}@example.net"
    fill(page, guarded, name="Noor", email=email)
    page.get_by_role("button", name="Sign the petition").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you! Now check your email")
    expect(page.get_by_text(UNVERIFIED_TEXT)).to_be_visible()
    shoot(page, f"challenge-nojs-thanks-{size}")
    signature = signature_of(email)
    assert Signal(signature.signals) & Signal.NO_PROOF
    tally = recount(guarded.pk)
    assert (tally.confirmed, tally.pending, tally.unverified) == (0, 0, 1)
    # The public page does not count it as waiting.
    page.goto(live_server.url + guarded.get_absolute_url() + "?after=signing")
    expect(page.locator(f"#petition-{guarded.pk} .count")).not_to_contain_text("waiting")
    confirm(page, smtp_server, email, live_server.url)
    tally = recount(guarded.pk)
    assert (tally.confirmed, tally.pending, tally.unverified) == (1, 0, 0)
    # axe needs JavaScript in the page: the same form, read with it on (nothing solved).
    checked = new_context(**SIZES[size]).new_page()
    checked.goto(live_server.url + guarded.get_absolute_url() + "?axe=1")
    axe(checked)


@pytest.mark.browser
def test_a_slow_check_never_holds_the_form_for_more_than_a_few_seconds(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    guarded: Petition,
    axe: Callable[..., None],
) -> None:
    page = new_context(**SIZES["360"]).new_page()

    def never_solves(route: Route) -> None:
        route.fulfill(body="onmessage = function () {};", content_type="text/javascript")

    page.route("**/proof-worker*.js", never_solves)
    page.goto(live_server.url + guarded.get_absolute_url())
    fill(page, guarded, name="Sam", email="sam@example.net")
    started = time.monotonic()
    page.get_by_role("button", name="Sign the petition").click()
    status = page.locator(f"#petition-{guarded.pk}-form .proof-status")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_contain_text("Checking your browser before sending")
    shoot(page, "challenge-checking-360")
    axe(page, widths=(PHONE,))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you! Now check your email", timeout=10_000
    )
    assert time.monotonic() - started < 8
    expect(page.get_by_text(UNVERIFIED_TEXT)).to_be_visible()
    assert Signal(signature_of("sam@example.net").signals) & Signal.NO_PROOF


@pytest.mark.browser
def test_staff_switch_the_check_on_and_read_the_signals_on_a_phone(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    alice: User,
    owner: Membership,
    petition: Petition,
    axe: Callable[..., None],
) -> None:
    from groundswell.actions.services import SignatureRequest, sign_petition

    sign_petition(
        petition,
        SignatureRequest(email="robo@example.net", given_name="Robotina"),
        signals=Signal.HONEYPOT | Signal.TOO_FAST,
    )
    page = new_context(**SIZES["360"]).new_page()
    sign_in(page, live_server.url, alice)
    page.goto(f"{live_server.url}/staff/alices/petitions/{petition.pk}/")
    page.get_by_role("button", name="Turn the browser check on").click()
    expect(page.get_by_text("The browser check is on.", exact=True)).to_be_visible()
    row = page.get_by_role("row", name="Hidden field filled")
    expect(row.get_by_role("cell").nth(1)).to_have_text("1")
    axe(page, widths=(PHONE,))
    row.get_by_role("link", name="Hidden field filled").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Signals on signatures")
    expect(page.get_by_role("cell", name="Robotina")).to_be_visible()
    shoot(page, "challenge-staff-signals-360")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    axe(page, widths=(PHONE,))
