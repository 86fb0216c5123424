"""Giving on a phone: story → donate → the (local) checkout → thank-you → share → a gift
someone made through that share link; and a forged webhook refused. The provider is the
stand-in on 127.0.0.1 (groundswell/payments/tests/standin.py); no worker runs beside the
live server, so the test plays it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.payments import services
from groundswell.payments.models import Donation, DonationState, Payment, ProviderEvent
from groundswell.payments.tests.standin import STRIPE_KEY, STRIPE_WHSEC, Standin, stripe_event
from groundswell.stories.services import change_state

from .a11y import DESKTOP, PHONE

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
ON_A_PHONE = {"viewport": PHONE, "is_mobile": True, "has_touch": True}


@pytest.fixture
def standin(settings: Settings, live_server: LiveServer) -> Iterator[Standin]:
    server = Standin()
    settings.PAYMENTS_STRIPE_API = server.base
    settings.PAYMENTS_CHECKOUT_ORIGINS = [server.base]
    settings.SITE_URL = live_server.url  # the return and share addresses
    server.webhooks["stripe"] = f"{live_server.url}/payments/stripe/webhook/alices/"
    yield server
    server.stop()


def fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def give(page: Page, *, amount: str, name: str, email: str, shot: str) -> None:
    page.get_by_label(amount, exact=True).check()
    page.get_by_label("First name").fill(name)
    page.get_by_role("textbox", name="Email").fill(email)
    fits(page)
    page.screenshot(path=str(ARTIFACTS / f"{shot}-form-360.png"), full_page=True)
    page.get_by_role("button", name="Continue to payment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Taking you to the payment page")
    fits(page)
    page.screenshot(path=str(ARTIFACTS / f"{shot}-waiting-360.png"), full_page=True)
    testing.run_periodic("open_checkouts")  # the worker opens the checkout
    # The page's script (or its refresh) takes the donor on to the checkout.
    expect(page.get_by_role("heading", name="Test checkout")).to_be_visible()
    page.get_by_role("button", name="Pay").click()  # the stand-in sends its webhooks
    expect(page.get_by_role("heading", level=1)).to_contain_text("Thank you")
    testing.run_periodic("apply_payment_events")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your gift")


@pytest.mark.browser
def test_story_to_gift_to_share_to_a_referred_gift_on_a_phone(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    smtp_server: testing.LocalSMTPServer,
    owner: Membership,
    standin: Standin,
    axe: Callable[..., None],
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    campaign = testing.make_campaign(owner, title="Otters back in the Alder", slug="otters")
    story = change_state(
        owner, testing.make_story(owner, campaign=campaign, title="The otters came back"), "publish"
    )
    services.connect_provider(
        owner, provider="stripe", key_id="", api_key=STRIPE_KEY, webhook_secret=STRIPE_WHSEC
    )
    services.save_appeal(
        owner,
        campaign,
        {"provider": "stripe", "currency": "GBP", "suggested": [500, 1000, 2500], "open": True},
    )

    # A reads the story on a phone and gives £10.
    a = new_context(**ON_A_PHONE).new_page()
    a.goto(live_server.url + story.get_absolute_url())
    a.get_by_role("link", name="Donate").click()
    expect(a.get_by_role("heading", level=1)).to_have_text("Give to Otters back in the Alder")
    axe(a, widths=(PHONE, DESKTOP))
    a.set_viewport_size(PHONE)
    give(a, amount="£10", name="Ana", email="ana@example.net", shot="donate-a")
    fits(a)
    a.screenshot(path=str(ARTIFACTS / "donate-thanks-360.png"), full_page=True)
    axe(a, widths=(PHONE, DESKTOP))
    a.set_viewport_size(PHONE)
    first = Donation.objects.get()
    assert (first.state, first.amount) == (DonationState.PAID, 1000)
    receipt = next(m for m in smtp_server.messages if m["To"] == "ana@example.net")
    text = receipt.get_body(("plain",))
    assert text is not None
    assert "£10" in text.get_content()

    # The share step: A's own link to the appeal; B follows it on another phone and gives £5.
    link = a.locator("#copy-link").input_value()
    assert f"ref={first.share_token}" in link and "ch=copy" in link
    b = new_context(**ON_A_PHONE).new_page()
    b.goto(link)
    give(b, amount="£5", name="Ben", email="ben@example.net", shot="donate-b")
    second = Donation.objects.exclude(pk=first.pk).get()
    assert second.state == DonationState.PAID
    assert second.referred_by_id == first.supporter_id
    assert second.referrer_data["source"] == "copy"
    assert Payment.objects.count() == 2

    # Without a script, the waiting page still refreshes itself and has a button.
    c = new_context(viewport=PHONE, java_script_enabled=False).new_page()
    c.goto(f"{live_server.url}/o/alices/donate/otters/")
    c.get_by_label("£25", exact=True).check()
    c.get_by_label("First name").fill("Cai")
    c.get_by_role("textbox", name="Email").fill("cai@example.net")
    c.get_by_role("button", name="Continue to payment").click()
    assert c.locator("meta[http-equiv=refresh]").get_attribute("content") == "2"
    # The refresh would race the button: for the rest of the test the page is served as it
    # is, less that one tag.
    c.route("**/o/alices/donations/*/", without_refresh)
    c.reload()
    # axe runs inside the page, so it reads the same waiting page in a tab with scripts on
    # (the script only polls: nothing is ready until the worker has run).
    reader = new_context(viewport=PHONE).new_page()
    reader.route("**/o/alices/donations/*/", without_refresh)
    reader.goto(c.url)
    expect(reader.get_by_role("heading", level=1)).to_have_text("Taking you to the payment page")
    axe(reader, widths=(PHONE, DESKTOP))
    testing.run_periodic("open_checkouts")
    c.get_by_role("link", name="Continue").click()
    expect(c.get_by_role("heading", name="Test checkout")).to_be_visible()


def without_refresh(route: Route) -> None:
    answer = route.fetch(max_redirects=0)
    if answer.status != 200:
        route.continue_()
        return
    page = answer.text().replace('<meta http-equiv="refresh" content="2">', "")
    route.fulfill(response=answer, body=page)


@pytest.mark.browser
def test_a_forged_webhook_is_refused_and_changes_nothing(
    live_server: LiveServer, owner: Membership, standin: Standin
) -> None:
    services.connect_provider(
        owner, provider="stripe", key_id="", api_key=STRIPE_KEY, webhook_secret=STRIPE_WHSEC
    )
    event = stripe_event("checkout.session.completed", {"client_reference_id": "x"})
    body = json.dumps(event).encode()
    request = urllib.request.Request(
        standin.webhooks["stripe"],
        data=body,
        headers={"Stripe-Signature": "t=1700000000,v1=" + "0" * 64},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 400
    assert b"signature does not match" in refused.value.read()
    assert ProviderEvent.objects.count() == 0
