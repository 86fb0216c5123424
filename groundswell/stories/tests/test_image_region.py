"""Blurring or cropping a region of a story image: for good, everywhere, by those who may."""

from __future__ import annotations

import io
import random
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image, ImageChops, ImageStat
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.accounts.services import update_organisation
from groundswell.audit.models import AuditEntry
from groundswell.lib import pagecache
from groundswell.stories.models import Story, StoryImage
from groundswell.stories.services import change_state

MARKER = b"GS-BLUR-MARKER-93d1"
REGION = {"operation": "blur", "left": "20", "top": "30", "width": "40", "height": "30"}


def photo() -> bytes:
    """A detailed picture (random grey 10-px cells, like a plate) carrying EXIF."""
    rng = random.Random(11)
    cells = Image.frombytes("L", (80, 48), rng.randbytes(80 * 48)).convert("RGB")
    exif = Image.Exif()
    exif[0x013B] = MARKER.decode()  # Artist
    buffer = io.BytesIO()
    cells.resize((800, 480), Image.Resampling.NEAREST).save(
        buffer, "JPEG", quality=95, exif=exif, comment=MARKER
    )
    return buffer.getvalue()


@pytest.fixture
def signed_in(client: Client, alice: User) -> Client:
    client.force_login(alice)
    return client


def upload(client: Client, org: Organisation, story: Story) -> StoryImage:
    response = client.post(
        reverse("stories:staff_image_add", args=[org.slug, story.pk]),
        {"image": SimpleUploadedFile("p.jpg", photo()), "alt_text": "People at the river"},
    )
    assert response.status_code == 302
    image = story.images.order_by("-pk").first()
    assert image is not None
    return image


def page_url(org: Organisation, image: StoryImage) -> str:
    return reverse("stories:staff_image_region", args=[org.slug, image.story_id, image.pk])


def preview_url(org: Organisation, image: StoryImage) -> str:
    return reverse("stories:staff_image_region_preview", args=[org.slug, image.story_id, image.pk])


def stored(settings: Settings) -> dict[str, bytes]:
    """Every file under both media roots, by path relative to its root."""
    found = {}
    for root in (Path(settings.PRIVATE_MEDIA_ROOT), Path(settings.MEDIA_ROOT)):
        for path in root.rglob("*"):
            if path.is_file():
                found[f"{root.name}:{path.relative_to(root)}"] = path.read_bytes()
    return found


def pixels(data: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(data))
    picture.load()
    return picture.convert("RGB")


def difference(a: Image.Image, b: Image.Image, area: tuple[float, ...]) -> float:
    """Mean absolute difference over `area`, given in fractions of the picture's size."""
    box = (
        round(area[0] * a.width),
        round(area[1] * a.height),
        round(area[2] * a.width),
        round(area[3] * a.height),
    )
    return sum(ImageStat.Stat(ImageChops.difference(a.crop(box), b.crop(box))).mean) / 3


INSIDE = (0.22, 0.32, 0.58, 0.58)  # well within the region 20-60 % x 30-60 %
ABOVE = (0.0, 0.0, 1.0, 0.2)  # well clear of it


def apply(client: Client, org: Organisation, image: StoryImage, **values: str) -> Any:
    return client.post(page_url(org, image), {**REGION, **values, "apply": "1"})


def test_the_page_shows_the_image_under_a_labelled_grid_and_the_form(
    signed_in: Client, org: Organisation, owner: Membership
) -> None:
    image = upload(signed_in, org, testing.make_story(owner))
    edit = signed_in.get(reverse("stories:staff_edit", args=[org.slug, image.story_id]))
    assert page_url(org, image) in edit.content.decode()
    html = signed_in.get(page_url(org, image)).content.decode()
    assert "<h1>Blur or crop an image</h1>" in html
    assert f'src="{image.small_src}"' in html
    assert html.count("<span>50</span>") == 2  # a column label and a row label
    for name in ("left", "top", "width", "height"):
        assert f'name="{name}"' in html
    assert 'value="blur" id="id_operation" checked' in html
    assert "groundswell/region.js" in html and "<script>" not in html
    assert "apply" not in html  # no way to apply before a preview


def test_without_javascript_an_owner_previews_then_blurs_and_the_old_picture_is_gone(
    signed_in: Client,
    org: Organisation,
    owner: Membership,
    settings: Settings,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    image = upload(signed_in, org, testing.make_story(owner))
    old_names = {image.image.name, image.small.name}
    old_large = image.image.open("rb").read()
    old_small = image.small.open("rb").read()
    before_files = stored(settings)

    # The preview step: nothing stored changes, the picture comes from a view.
    response = signed_in.post(page_url(org, image), {**REGION, "preview": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Preview (not saved yet)" in html
    expected = preview_url(org, image) + "?operation=blur&amp;left=20&amp;top=30&amp;width=40"
    assert expected in html
    assert '<rect class="region-box" vector-effect="non-scaling-stroke" x="20" y="30"' in html
    assert stored(settings) == before_files
    shown = signed_in.get(preview_url(org, image), REGION)
    assert shown.status_code == 200
    assert shown["Content-Type"] == "image/jpeg"
    assert shown["Cache-Control"] == "private, no-store"
    assert difference(pixels(old_small), pixels(shown.content), INSIDE) > 30
    assert difference(pixels(old_small), pixels(shown.content), ABOVE) < 3

    with django_capture_on_commit_callbacks(execute=True):
        response = apply(signed_in, org, image)
    assert response.status_code == 302
    assert response["Location"] == reverse("stories:staff_edit", args=[org.slug, image.story_id])
    image.refresh_from_db()
    assert {image.image.name, image.small.name}.isdisjoint(old_names)
    files = stored(settings)
    assert not any(name.endswith(tuple(str(n) for n in old_names)) for name in files), files
    assert old_large not in files.values() and old_small not in files.values()
    assert len(files) == 2
    for data, old in (
        (image.image.open("rb").read(), old_large),
        (image.small.open("rb").read(), old_small),
    ):
        assert MARKER not in data
        picture = Image.open(io.BytesIO(data))
        assert not picture.info.get("exif") and not picture.getexif()
        assert difference(pixels(old), pixels(data), INSIDE) > 30
        assert difference(pixels(old), pixels(data), ABOVE) < 3
    assert (image.width, image.height) == (800, 480)
    assert image.image_bytes == image.image.size

    entry = AuditEntry.objects.get(action="story.image_blur")
    assert entry.actor == owner.user and entry.target_id == str(image.story_id)
    assert entry.changes == {
        "image": [None, image.pk],
        "box": [None, {"left": 20.0, "top": 30.0, "width": 40.0, "height": 30.0}],
    }
    assert "Blurred a region" in entry.summary


def test_a_crop_keeps_the_region_at_the_right_size_in_every_rendition(
    signed_in: Client, org: Organisation, owner: Membership
) -> None:
    image = upload(signed_in, org, testing.make_story(owner))
    response = apply(
        signed_in, org, image, operation="crop", left="25", top="0", width="50", height="100"
    )
    assert response.status_code == 302
    image.refresh_from_db()
    assert (image.width, image.height) == (400, 480)
    assert pixels(image.image.open("rb").read()).size == (400, 480)
    assert pixels(image.small.open("rb").read()).size == (400, 480)
    assert AuditEntry.objects.filter(action="story.image_crop").count() == 1


def test_a_published_storys_new_picture_is_public_and_the_old_address_answers_404(
    signed_in: Client,
    client: Client,
    org: Organisation,
    owner: Membership,
    petition: Any,
    monkeypatch: pytest.MonkeyPatch,
    settings: Settings,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    story = testing.make_story(owner, campaign=petition.campaign)
    image = upload(signed_in, org, story)
    change_state(owner, story, "publish")
    old_url, old_small_url = image.image.url, image.small.url
    reader = Client()
    assert reader.get(old_url).status_code == 200
    campaign_page = petition.campaign.get_absolute_url()
    assert old_small_url in reader.get(campaign_page).content.decode()  # a page copy now

    with django_capture_on_commit_callbacks(execute=True):
        assert apply(signed_in, org, image).status_code == 302
    image.refresh_from_db()
    assert image.public
    assert reader.get(old_url).status_code == 404
    assert reader.get(old_small_url).status_code == 404
    assert reader.get(image.image.url).status_code == 200
    html = reader.get(story.get_absolute_url()).content.decode()
    assert image.image.url in html and old_url not in html
    # The page copy holds addresses, never pictures, and lives at most SECONDS.
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now + pagecache.SECONDS + 0.1)
    html = reader.get(campaign_page).content.decode()
    assert image.small.url in html and old_small_url not in html
    names = {name.split(":", 1)[1] for name in stored(settings)}
    assert names == {image.image.name, image.small.name}


def test_an_editor_cannot_change_a_published_picture_past_the_owner(
    client: Client, bob: User, org: Organisation, owner: Membership, settings: Settings
) -> None:
    update_organisation(owner, {"approval_required": True})
    client.force_login(owner.user)
    story = testing.make_story(owner)
    image = upload(client, org, story)
    change_state(owner, story, "publish")
    before = stored(settings)
    client.force_login(bob)
    response = apply(client, org, image)
    assert response.status_code == 200
    html = response.content.decode()
    assert "changes need an owner&#x27;s approval" in html
    assert html.count('class="error-summary"') == 1
    assert stored(settings) == before
    assert not AuditEntry.objects.filter(action="story.image_blur").exists()


def test_an_editors_change_to_a_story_in_review_sends_it_back_to_draft(
    client: Client, bob: User, org: Organisation, owner: Membership, editor: Membership
) -> None:
    update_organisation(owner, {"approval_required": True})
    client.force_login(bob)
    story = testing.make_story(editor)
    image = upload(client, org, story)
    change_state(editor, story, "submit")
    assert apply(client, org, image).status_code == 302
    story.refresh_from_db()
    assert story.state == "draft"
    assert story.review_note


@pytest.mark.parametrize("role", ["moderator", "analyst", "safety_officer"])
def test_roles_that_cannot_write_get_403_and_strangers_404(
    client: Client,
    org: Organisation,
    owner: Membership,
    charlie: User,
    role: str,
    settings: Settings,
) -> None:
    client.force_login(owner.user)
    image = upload(client, org, testing.make_story(owner))
    before = stored(settings)
    reader = testing.make_user(f"{role}@example.org", "Rory Reader")
    testing.add_member(org, reader, role)
    client.force_login(reader)
    assert client.get(page_url(org, image)).status_code == 403
    assert client.get(preview_url(org, image), REGION).status_code == 403
    assert apply(client, org, image).status_code == 403
    client.force_login(charlie)
    charlies = "charlies"
    url = reverse("stories:staff_image_region", args=[charlies, image.story_id, image.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {**REGION, "apply": "1"}).status_code == 404
    client.logout()
    assert client.get(page_url(org, image)).status_code == 302  # to sign in
    assert stored(settings) == before
    assert not AuditEntry.objects.filter(action__startswith="story.image_b").exists()


def test_an_image_of_another_story_is_not_found_under_this_one(
    signed_in: Client, org: Organisation, owner: Membership
) -> None:
    image = upload(signed_in, org, testing.make_story(owner))
    other = testing.make_story(owner, slug="another")
    url = reverse("stories:staff_image_region", args=[org.slug, other.pk, image.pk])
    assert signed_in.get(url).status_code == 404


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"left": "seventy"}, "left", "Enter the left edge as a number from 0 to 100"),
        ({"width": "0"}, "width", "Enter a width more than 0."),
        ({"left": "70", "width": "40"}, "width", "goes past the right edge"),
        ({"top": "101"}, "top", "Enter the top edge as a number from 0 to 100"),
        ({"height": "inf"}, "height", "Enter the height as a number from 0 to 100"),
        ({"operation": ""}, "operation", "Choose whether to blur the region or crop to it."),
    ],
)
def test_a_bad_region_gets_a_clear_message_keeps_the_typing_and_changes_nothing(
    signed_in: Client,
    org: Organisation,
    owner: Membership,
    settings: Settings,
    values: dict[str, str],
    field: str,
    message: str,
) -> None:
    from groundswell.actions.tests.test_sign_page import Page

    image = upload(signed_in, org, testing.make_story(owner))
    before = stored(settings)
    for button in ("preview", "apply"):
        response = signed_in.post(page_url(org, image), {**REGION, **values, button: "1"})
        assert response.status_code == 200
        html = response.content.decode()
        page = Page(html)
        assert page.title.startswith("Error: ")
        assert f'href="#id_{field}"' in html
        assert message in html
        assert page.described[f"id_{field}"] == [f"id_{field}_error"]
        assert "Preview (not saved yet)" not in html
        for name, value in values.items():
            if name != "operation":
                assert f'value="{value}"' in html
    assert signed_in.get(preview_url(org, image), {**REGION, **values}).status_code == 400
    assert stored(settings) == before
    image.refresh_from_db()
    assert not AuditEntry.objects.filter(action__startswith="story.image_b").exists()


def test_a_picture_gone_from_storage_gets_a_message_not_an_error_page(
    signed_in: Client, org: Organisation, owner: Membership, settings: Settings
) -> None:
    image = upload(signed_in, org, testing.make_story(owner))
    names = (image.image.name, image.small.name)
    for name in names:
        (Path(settings.PRIVATE_MEDIA_ROOT) / str(name)).unlink()
    response = apply(signed_in, org, image)
    assert response.status_code == 200
    assert "The stored picture could not be read" in response.content.decode()
    assert signed_in.get(preview_url(org, image), REGION).status_code == 404
    image.refresh_from_db()
    assert (image.image.name, image.small.name) == names
    assert not AuditEntry.objects.filter(action="story.image_blur").exists()
