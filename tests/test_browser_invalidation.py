"""A bulk invalidation and its undo on a 360-px phone, the public count checked each time,
with axe-core (WCAG 2.1 A and AA) at 360 and 1280 px on every staff page of the way."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from groundswell import testing
from groundswell.accounts.models import Membership, User
from groundswell.actions.models import Petition, PetitionTally, Signature
from groundswell.actions.services import SignatureRequest, sign_petition
from groundswell.lib import pagecache

from .a11y import DESKTOP, PHONE
from .test_browser_pages_fit import sign_in

SHOTS = Path("/tmp/groundswell-shots")
ON_A_PHONE = {"viewport": PHONE, "is_mobile": True, "has_touch": True}
BOT = "203.0.113.0/24"


def _sign(petition: Petition, n: int, network: str, start: int) -> None:
    for number in range(start, start + n):
        request = SignatureRequest(
            email=f"signer{number}@example.net", given_name=f"Signer{number}", network=network
        )
        sign_petition(petition, request)
    Signature.objects.update(state="confirmed")


def _public_count(reader: Page, base: str, petition: Petition, expected: int) -> str:
    """The count line a new reader sees, once the worker's recount ran (its tally checked
    first, so a failure says which layer was wrong) and the page copy expired."""
    testing.run_periodic("recount_petitions")
    assert PetitionTally.objects.get(petition=petition).confirmed == expected
    pagecache.clear()
    # A new address each time (the page copy ignores utm_*): the browser's own cache, and
    # its same-address navigation, cannot stand in for the server's page.
    visits = next(_VISITS)
    reader.goto(f"{base}{petition.get_absolute_url()}?utm_content=visit{visits}")
    return reader.locator("p", has_text="confirmed signatures").first.inner_text()


_VISITS = itertools.count(1)


def _fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _checked(page: Page, axe: Callable[..., None], name: str = "") -> None:
    """The page fits the phone; axe passes at 360 and 1280 px (screenshots of both when
    named); the phone's width again for the next step."""
    _fits(page)
    axe(page)  # 360 px, then 1280 px
    if name:
        page.screenshot(path=str(SHOTS / f"invalidation-{name}-{DESKTOP['width']}.png"))
    page.set_viewport_size(PHONE)
    if name:
        page.screenshot(path=str(SHOTS / f"invalidation-{name}-360.png"), full_page=True)


@pytest.mark.browser
def test_a_bulk_invalidation_and_its_undo_on_a_phone(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    alice: User,
    owner: Membership,
    petition: Petition,
    axe: Callable[..., None],
) -> None:
    _sign(petition, 3, "192.0.2.0/24", 0)
    _sign(petition, 5, BOT, 100)
    SHOTS.mkdir(exist_ok=True)
    reader = new_context(**ON_A_PHONE).new_page()
    assert _public_count(reader, live_server.url, petition, 8).startswith("8 confirmed")

    page = new_context(**ON_A_PHONE).new_page()
    sign_in(page, live_server.url, alice)
    page.goto(f"{live_server.url}/staff/{owner.organisation.slug}/trends/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Trending sources")
    _checked(page, axe)
    page.get_by_role("link", name="Invalidate signatures").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invalidate signatures")
    _checked(page, axe, "form")
    page.get_by_label("Invalidate signatures by").select_option("network")
    page.get_by_label("Petition").select_option(str(petition.pk))
    page.get_by_label("Network range").fill("203.0.113.9")
    page.get_by_label("Why are these signatures not genuine?").fill("Scripted, one network.")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="Preview: 5 signatures")).to_be_visible()
    _checked(page, axe, "preview")
    assert not Signature.objects.filter(invalidated_at__isnull=False).exists()
    page.get_by_role("button", name="Invalidate 5 signatures").click()
    expect(page.get_by_role("status")).to_contain_text("5 signatures invalidated.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Invalidation")
    _checked(page, axe, "done")
    assert Signature.objects.filter(invalidated_at__isnull=False, network=BOT).count() == 5

    assert _public_count(reader, live_server.url, petition, 3).startswith("3 confirmed")
    reader.screenshot(path=str(SHOTS / "invalidation-public-count-360.png"), full_page=True)

    page.get_by_role("button", name="Undo: count 5 signatures again").click()
    expect(page.get_by_role("status")).to_contain_text("Undone: 5 signatures count again.")
    expect(page.get_by_text("these signatures count again")).to_be_visible()
    _checked(page, axe, "undone")
    assert not Signature.objects.filter(invalidated_at__isnull=False).exists()

    assert _public_count(reader, live_server.url, petition, 8).startswith("8 confirmed")
