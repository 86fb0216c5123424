"""Story images: nothing but pixels is kept, and they are public only while the story is."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from groundswell import testing

MARKER = b"GS-SECRET-MARKER-7f3a"


@pytest.fixture
def signed_in(client, alice, org):
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
    signed_in, org, owner, settings, name, make
):
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


def test_an_image_with_a_real_colour_profile_is_converted_and_stored_without_it():
    from PIL import ImageCms

    from groundswell.lib.images import process_image

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (10, 200, 90)).save(buffer, "JPEG", icc_profile=profile)
    processed = process_image(io.BytesIO(buffer.getvalue()))
    with Image.open(io.BytesIO(processed.large.read())) as stored:
        assert "icc_profile" not in stored.info
        red, green, blue = stored.getpixel((150, 100))
        assert green > 150 and red < 60
