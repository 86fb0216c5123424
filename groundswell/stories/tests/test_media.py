"""Story images: nothing but pixels is kept, and they are public only while the story is."""

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import FileResponse
from django.test import Client
from django.urls import reverse
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.stories.models import Story, StoryImage
from groundswell.stories.services import change_state

MARKER = b"GS-SECRET-MARKER-7f3a"


@pytest.fixture
def signed_in(client: Client, alice: User, org: Organisation) -> Client:
    client.force_login(alice)
    return client


def jpeg_with_metadata() -> bytes:
    picture = Image.new("RGB", (900, 600), (200, 40, 40))
    exif = Image.Exif()
    exif[0x010E] = MARKER.decode()  # ImageDescription
    exif[0x013B] = MARKER.decode()  # Artist
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description>'
        + MARKER
        + b"</rdf:Description></x:xmpmeta>"
    )
    buffer = io.BytesIO()
    picture.save(
        buffer, "JPEG", comment=MARKER, exif=exif, xmp=xmp, icc_profile=b"\x00" * 128 + MARKER
    )
    return buffer.getvalue()


def png_with_text(mode: str) -> bytes:
    picture = Image.new(mode, (700, 500), (40, 200, 40, 128)[: len(mode)])
    info = PngInfo()
    info.add_text("Comment", MARKER.decode())
    info.add_itxt("Description", MARKER.decode(), zip=False)
    buffer = io.BytesIO()
    picture.save(buffer, "PNG", pnginfo=info, icc_profile=b"\x00" * 128 + MARKER)
    return buffer.getvalue()


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("photo.jpg", jpeg_with_metadata),
        ("flat.png", lambda: png_with_text("RGB")),
        ("clear.png", lambda: png_with_text("RGBA")),
    ],
)
def test_no_comment_exif_xmp_icc_or_text_chunk_survives_an_upload(
    signed_in: Client,
    org: Organisation,
    owner: Membership,
    settings: Settings,
    name: str,
    make: Callable[[], bytes],
) -> None:
    payload = make()
    assert MARKER in payload
    story = testing.make_story(owner)
    response = signed_in.post(
        reverse("stories:staff_image_add", args=[org.slug, story.pk]),
        {"image": SimpleUploadedFile(name, payload), "alt_text": "A red square"},
    )
    assert response.status_code == 302
    image = story.images.get()
    files = stored_files(Path(settings.MEDIA_ROOT)) + stored_files(
        Path(getattr(settings, "PRIVATE_MEDIA_ROOT", settings.MEDIA_ROOT))
    )
    assert len({path.resolve() for path in files}) >= 2, files
    for path in files:
        data = path.read_bytes()
        assert MARKER not in data, path
        assert MARKER.lower() not in data.lower(), path
    with Image.open(image.image.open("rb")) as stored:
        assert not stored.info.get("comment")
        assert not stored.info.get("exif")
        assert not stored.info.get("icc_profile")


def test_an_image_with_a_real_colour_profile_is_converted_and_stored_without_it() -> None:
    from PIL import ImageCms

    from groundswell.lib.images import process_image

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (10, 200, 90)).save(buffer, "JPEG", icc_profile=profile)
    processed = process_image(io.BytesIO(buffer.getvalue()))
    with Image.open(io.BytesIO(processed.large.read())) as stored:
        assert "icc_profile" not in stored.info
        pixel = stored.getpixel((150, 100))
        assert isinstance(pixel, tuple)
        red, green, _blue = pixel
        assert green > 150 and red < 60


def upload(
    client: Client, org: Organisation, story: Story, name: str = "p.png", alt: str = "A picture"
) -> StoryImage:
    response = client.post(
        reverse("stories:staff_image_add", args=[org.slug, story.pk]),
        {"image": SimpleUploadedFile(name, testing.image_bytes()), "alt_text": alt},
    )
    assert response.status_code == 302
    image = story.images.order_by("-pk").first()
    assert image is not None
    return image


def public_file(settings: Settings, name: str | None) -> Path:
    assert name
    return Path(settings.MEDIA_ROOT) / name


def fetch(client: Client, url: str) -> int:
    response = client.get(url)
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    return response.status_code


def test_a_draft_storys_images_live_outside_the_public_root_under_unguessable_names(
    signed_in: Client, client: Client, org: Organisation, owner: Membership, settings: Settings
) -> None:
    story = testing.make_story(owner)
    first = upload(signed_in, org, story)
    second = upload(signed_in, org, story)
    names = [first.image.name, first.small.name, second.image.name, second.small.name]
    assert len(set(names)) == 4
    for name in names:
        assert name
        folder = Path(name).parent.name
        assert len(folder) >= 24, name  # a random token, not the organisation's counter
        assert (Path(settings.PRIVATE_MEDIA_ROOT) / name).is_file()
        assert not public_file(settings, name).exists()
    assert stored_files(Path(settings.MEDIA_ROOT)) == []
    assert not first.public
    signed_in.logout()
    assert fetch(client, first.image.url) == 404
    assert fetch(client, first.small.url) == 404


def test_only_members_of_the_organisation_see_a_draft_storys_images(
    client: Client, org: Organisation, owner: Membership, alice: User, bob: User, charlie: User
) -> None:
    story = testing.make_story(owner)
    client.force_login(alice)
    image = upload(client, org, story)
    url = reverse("stories:staff_image", args=[image.pk, "large"])
    for member in (alice, bob):
        client.force_login(member)
        response = client.get(url)
        assert response.status_code == 200
        assert isinstance(response, FileResponse)
        assert b"".join(response.streaming_content) == image.image.open("rb").read()
        assert response["Cache-Control"] == "private, no-store"
        assert fetch(client, reverse("stories:staff_image", args=[image.pk, "small"])) == 200
        assert fetch(client, reverse("stories:staff_image", args=[image.pk, "huge"])) == 404
    client.force_login(charlie)
    assert fetch(client, url) == 404
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_publishing_gives_images_a_public_address_and_unpublishing_takes_it_away(
    signed_in: Client, client: Client, org: Organisation, owner: Membership, settings: Settings
) -> None:
    story = testing.make_story(owner)
    image = upload(signed_in, org, story)
    change_state(owner, story, "publish")
    image.refresh_from_db()
    assert image.public
    for name in (image.image.name, image.small.name):
        assert name
        assert (
            public_file(settings, name).read_bytes()
            == (Path(settings.PRIVATE_MEDIA_ROOT) / name).read_bytes()
        )
    html = client.get(story.get_absolute_url()).content.decode()
    assert f'src="{image.image.url}"' in html
    assert fetch(client, image.image.url) == 200

    change_state(owner, story, "unpublish")
    image.refresh_from_db()
    assert not image.public
    assert not public_file(settings, image.image.name).exists()
    assert not public_file(settings, image.small.name).exists()
    assert fetch(client, image.image.url) == 404
    assert fetch(signed_in, reverse("stories:staff_image", args=[image.pk, "large"])) == 200

    change_state(owner, story, "publish")
    assert fetch(client, image.image.url) == 200


def test_every_way_out_of_published_withdraws_the_images(
    signed_in: Client, org: Organisation, owner: Membership, settings: Settings
) -> None:
    story = testing.make_story(owner)
    image = upload(signed_in, org, story)
    change_state(owner, story, "publish")
    assert public_file(settings, image.image.name).exists()
    # Unpublish is the only transition out of published; whatever state follows keeps them private.
    for action in ("unpublish", "submit", "return"):
        change_state(owner, story, action)
        assert not public_file(settings, image.image.name).exists(), action
        assert stored_files(Path(settings.MEDIA_ROOT)) == []


def test_an_image_added_to_a_published_story_is_public_at_once(
    signed_in: Client, org: Organisation, owner: Membership, settings: Settings
) -> None:
    story = testing.make_story(owner)
    change_state(owner, story, "publish")
    image = upload(signed_in, org, story)
    assert image.public
    assert public_file(settings, image.small.name).is_file()


def test_a_removed_image_leaves_its_public_address_and_the_disk(
    signed_in: Client,
    client: Client,
    org: Organisation,
    owner: Membership,
    settings: Settings,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    story = testing.make_story(owner)
    image = upload(signed_in, org, story)
    change_state(owner, story, "publish")
    assert fetch(client, image.small.url) == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(
            reverse("stories:staff_image_remove", args=[org.slug, story.pk, image.pk])
        )
    assert response.status_code == 302
    assert fetch(client, image.small.url) == 404
    assert stored_files(Path(settings.MEDIA_ROOT)) == []
    assert stored_files(Path(settings.PRIVATE_MEDIA_ROOT)) == []


def test_the_preview_of_a_draft_shows_its_images_through_the_members_only_address(
    signed_in: Client, org: Organisation, owner: Membership
) -> None:
    story = testing.make_story(owner)
    cover = upload(signed_in, org, story)
    other = upload(signed_in, org, story)
    html = signed_in.get(
        reverse("stories:staff_preview", args=[org.slug, story.pk])
    ).content.decode()
    assert f'src="{reverse("stories:staff_image", args=[cover.pk, "large"])}"' in html
    assert f'src="{reverse("stories:staff_image", args=[other.pk, "small"])}"' in html
    edit = signed_in.get(reverse("stories:staff_edit", args=[org.slug, story.pk])).content.decode()
    assert reverse("stories:staff_image", args=[other.pk, "small"]) in edit


def test_the_migration_moves_old_public_files_and_keeps_published_addresses(
    signed_in: Client, client: Client, org: Organisation, owner: Membership, settings: Settings
) -> None:
    """Before, every image sat in MEDIA_ROOT at stories/<org>/<name>, draft or not."""
    import importlib
    import shutil

    from django.apps import apps

    from groundswell.stories.models import StoryImage

    migration = importlib.import_module("groundswell.stories.migrations.0002_private_images")
    published = testing.make_story(owner, slug="out")
    draft = testing.make_story(owner, slug="not-yet")
    old = {}
    for story, label in ((published, "pub"), (draft, "draft")):
        image = upload(signed_in, org, story)
        names = {}
        for field in ("image", "small"):
            name = f"stories/{org.pk}/{label}-{field}.jpg"
            target = public_file(settings, name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(Path(settings.PRIVATE_MEDIA_ROOT) / getattr(image, field).name, target)
            names[field] = name
        StoryImage.objects.filter(pk=image.pk).update(**names, public=False)
        old[label] = (image.pk, names)
    change_state(owner, published, "publish")  # before the migration, this moved no file
    for label in ("pub", "draft"):
        StoryImage.objects.filter(pk=old[label][0]).update(**old[label][1], public=False)

    migration.make_private(apps, None)

    kept = StoryImage.objects.get(pk=old["pub"][0])
    assert kept.public and kept.image.name == old["pub"][1]["image"]
    assert fetch(client, kept.image.url) == 200
    assert (Path(settings.PRIVATE_MEDIA_ROOT) / kept.image.name).is_file()
    moved = StoryImage.objects.get(pk=old["draft"][0])
    assert not moved.public
    for field in ("image", "small"):
        assert getattr(moved, field).name != old["draft"][1][field]
        assert not public_file(settings, old["draft"][1][field]).exists()
        assert (Path(settings.PRIVATE_MEDIA_ROOT) / getattr(moved, field).name).is_file()
    change_state(owner, published, "unpublish")
    assert fetch(client, kept.image.url) == 404


def test_the_size_migration_reads_local_files_only_and_leaves_unknown_at_zero(
    signed_in: Client, org: Organisation, owner: Membership, settings: Settings
) -> None:
    import importlib

    from django.apps import apps

    migration = importlib.import_module("groundswell.stories.migrations.0004_image_bytes")
    story = testing.make_story(owner)
    kept, lost = upload(signed_in, org, story), upload(signed_in, org, story)
    (Path(settings.PRIVATE_MEDIA_ROOT) / str(lost.image.name)).unlink()
    StoryImage.objects.update(image_bytes=0)  # as rows stood before the field

    settings.MEDIA_STORAGE = "s3"  # no local files to read: nothing is asked of S3
    migration.fill_sizes(apps, None)
    assert set(StoryImage.objects.values_list("image_bytes", flat=True)) == {0}

    settings.MEDIA_STORAGE = "filesystem"
    migration.fill_sizes(apps, None)
    size = (Path(settings.PRIVATE_MEDIA_ROOT) / str(kept.image.name)).stat().st_size
    assert StoryImage.objects.get(pk=kept.pk).image_bytes == size > 0
    assert StoryImage.objects.get(pk=lost.pk).image_bytes == 0


def test_link_card_images_are_stored_under_unguessable_names(org: Organisation) -> None:
    from django.core.files.base import ContentFile

    from groundswell.stories.models import LinkCard

    names = []
    for n in range(2):
        card = LinkCard.objects.create(organisation=org, url=f"https://example.org/{n}")
        card.image.save("card.jpg", ContentFile(testing.image_bytes("JPEG")))
        names.append(card.image.name)
    assert names[0] != names[1]
    for name in names:
        assert name
        folder = Path(name).parent
        assert folder.parent.as_posix() == f"stories/{org.pk}/cards"
        assert len(folder.name) >= 24


def test_images_of_a_waiting_organisation_go_public_only_when_an_operator_approves_it(
    client: Client, charlie: User, settings: Settings
) -> None:
    from groundswell.accounts.models import User
    from groundswell.accounts.services import approve_organisation, create_organisation
    from groundswell.lib.images import process_image
    from groundswell.stories.services import add_image

    organisation = create_organisation(name="Waiting", slug="waiting-org", owner=charlie)
    assert not organisation.is_public
    member = testing.membership(charlie, organisation)
    story = testing.make_story(member)
    image = add_image(
        member, story, process_image(io.BytesIO(testing.image_bytes())), alt_text="A picture"
    )
    change_state(member, story, "publish")
    image.refresh_from_db()
    assert not image.public
    assert stored_files(Path(settings.MEDIA_ROOT)) == []
    assert fetch(client, image.image.url) == 404

    operator = User.objects.create_user("olive@example.org", "x" * 20, is_staff=True)
    approve_organisation(organisation, by=operator)
    image.refresh_from_db()
    assert image.public
    assert fetch(client, image.image.url) == 200
