"""In a real browser: a member sees the cover of a draft campaign, nobody else can fetch it."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.urls import reverse
from playwright.sync_api import BrowserContext, expect
from pytest_django.live_server_helper import LiveServer

from groundswell import testing
from groundswell.accounts.models import Membership, User
from groundswell.campaigns.services import create_campaign
from groundswell.lib.images import process_image

from .test_browser_story_flow import sign_in


@pytest.mark.browser
@pytest.mark.parametrize("width", [360, 1280])
def test_a_member_sees_a_draft_campaigns_cover_in_the_preview(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    alice: User,
    owner: Membership,
    width: int,
) -> None:
    cover = process_image(io.BytesIO(testing.image_bytes(size=(1600, 900))), name="cover")
    campaign = create_campaign(
        owner,
        {"title": "Not yet announced", "slug": "soon", "status": "draft", "cover_alt": "A poster"},
        cover=cover,
    )
    base = live_server.url
    page = new_context(viewport={"width": width, "height": 900}).new_page()
    sign_in(page, base, alice)
    page.goto(base + reverse("campaigns:staff_preview", args=["alices", campaign.pk]))
    image = page.get_by_role("img", name="A poster")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.naturalWidth") > 0
    assert "/staff/campaign-covers/" in image.evaluate("img => img.currentSrc")
    page.screenshot(path=f"/tmp/campaign-cover-preview-{width}.png", full_page=True)

    stranger = new_context().new_page()
    response = stranger.goto(base + reverse("campaigns:staff_cover", args=[campaign.pk, "large"]))
    assert response is not None
    assert "/accounts/login/" in response.url  # sent to sign in, never shown the picture
    assert not response.headers["content-type"].startswith("image/")
    response = stranger.goto(base + campaign.cover.url)
    assert response is not None
    assert response.status == 404
