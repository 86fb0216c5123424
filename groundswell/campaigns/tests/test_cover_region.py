"""Blurring or cropping a region of a campaign's cover, as for story images."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.audit.models import AuditEntry
from groundswell.campaigns.models import Campaign
from groundswell.campaigns.services import create_campaign
from groundswell.lib import pagecache
from groundswell.lib.images import process_image
from groundswell.stories.tests.test_image_region import (
    ABOVE,
    INSIDE,
    MARKER,
    REGION,
    difference,
    photo,
    pixels,
)


def live_with_cover(owner: Membership, status: str = "live") -> Campaign:
    cover = process_image(io.BytesIO(photo()), name="cover")
    return create_campaign(
        owner,
        {"title": "Clean river", "slug": "clean-river", "status": status, "cover_alt": "The bank"},
        cover=cover,
    )


def page_url(org: Organisation, campaign: Campaign, preview: bool = False) -> str:
    name = "campaigns:staff_cover_region_preview" if preview else "campaigns:staff_cover_region"
    return reverse(name, args=[org.slug, campaign.pk])


def files(settings: Settings) -> dict[str, bytes]:
    found = {}
    for root in (Path(settings.PRIVATE_MEDIA_ROOT), Path(settings.MEDIA_ROOT)):
        for path in root.rglob("*"):
            if path.is_file():
                found[f"{root.name}:{path.relative_to(root)}"] = path.read_bytes()
    return found


def test_a_public_covers_blur_replaces_every_copy_and_the_page_follows(
    client: Client,
    alice: User,
    org: Organisation,
    owner: Membership,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    campaign = live_with_cover(owner)
    assert campaign.cover_public
    old_url, old_small_url = campaign.cover.url, campaign.cover_small.url
    old = campaign.cover.open("rb").read()
    reader = Client()
    assert old_small_url in reader.get(campaign.get_absolute_url()).content.decode()
    client.force_login(alice)
    edit = client.get(reverse("campaigns:staff_edit", args=[org.slug, campaign.pk]))
    assert page_url(org, campaign) in edit.content.decode()
    html = client.post(page_url(org, campaign), {**REGION, "preview": "1"}).content.decode()
    assert "Preview (not saved yet)" in html and page_url(org, campaign, preview=True) in html
    shown = client.get(page_url(org, campaign, preview=True), REGION)
    assert shown.status_code == 200 and shown["Cache-Control"] == "private, no-store"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page_url(org, campaign), {**REGION, "apply": "1"})
    assert response.status_code == 302
    campaign.refresh_from_db()
    new = campaign.cover.open("rb").read()
    assert MARKER not in new and not Image.open(io.BytesIO(new)).getexif()
    assert difference(pixels(old), pixels(new), INSIDE) > 30
    assert difference(pixels(old), pixels(new), ABOVE) < 3
    assert reader.get(old_url).status_code == 404
    assert reader.get(old_small_url).status_code == 404
    assert reader.get(campaign.cover_small.url).status_code == 200
    stored = files(settings)
    assert old not in stored.values()
    assert {name.split(":", 1)[1] for name in stored} == {
        campaign.cover.name,
        campaign.cover_small.name,
    }
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now + pagecache.SECONDS + 0.1)
    html = reader.get(campaign.get_absolute_url()).content.decode()
    assert campaign.cover_small.url in html and old_small_url not in html
    entry = AuditEntry.objects.get(action="campaign.cover_blur")
    assert entry.changes == {
        "box": [None, {"left": 20.0, "top": 30.0, "width": 40.0, "height": 30.0}]
    }


def test_a_crop_of_a_draft_cover_keeps_the_region(
    client: Client, alice: User, org: Organisation, owner: Membership
) -> None:
    campaign = live_with_cover(owner, status="draft")
    client.force_login(alice)
    region = {"operation": "crop", "left": "0", "top": "50", "width": "50", "height": "50"}
    assert client.post(page_url(org, campaign), {**region, "apply": "1"}).status_code == 302
    campaign.refresh_from_db()
    assert pixels(campaign.cover.open("rb").read()).size == (400, 240)
    assert not campaign.cover_public


def test_who_may_not_write_cannot_and_bad_regions_change_nothing(
    client: Client,
    alice: User,
    org: Organisation,
    owner: Membership,
    charlie: User,
    settings: Settings,
) -> None:
    campaign = live_with_cover(owner)
    before = files(settings)
    analyst = testing.make_user("analyst@example.org", "Ann Analyst")
    testing.add_member(org, analyst, "analyst")
    client.force_login(analyst)
    assert client.post(page_url(org, campaign), {**REGION, "apply": "1"}).status_code == 403
    assert client.get(page_url(org, campaign, preview=True), REGION).status_code == 403
    client.force_login(charlie)
    other = reverse("campaigns:staff_cover_region", args=["charlies", campaign.pk])
    assert client.post(other, {**REGION, "apply": "1"}).status_code == 404
    client.force_login(alice)
    response = client.post(page_url(org, campaign), {**REGION, "height": "80", "apply": "1"})
    assert response.status_code == 200
    assert "goes past the bottom of the image" in response.content.decode()
    assert files(settings) == before
    assert not AuditEntry.objects.filter(action__startswith="campaign.cover_").exists()
    bare = create_campaign(owner, {"title": "No picture", "slug": "bare", "status": "draft"})
    assert client.get(page_url(org, bare)).status_code == 404
