"""Blurring and cropping a region: measured on the pixels, with Pillow."""

from __future__ import annotations

import io
import random

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from PIL import Image, ImageChops, ImageStat

from groundswell.lib import images
from groundswell.lib.image_regions import RegionForm

MARKER = b"GS-REGION-MARKER-41c9"


def detailed_photo(size: tuple[int, int] = (1200, 800), fmt: str = "JPEG") -> bytes:
    """A picture full of fine detail (what a face or a plate is), with EXIF in it."""
    rng = random.Random(7)
    cells = (size[0] // 6, size[1] // 6)
    picture = Image.frombytes("RGB", cells, rng.randbytes(cells[0] * cells[1] * 3))
    picture = picture.resize(size, Image.Resampling.NEAREST)
    exif = Image.Exif()
    exif[0x013B] = MARKER.decode()  # Artist
    buffer = io.BytesIO()
    picture.save(buffer, fmt, quality=95, exif=exif, comment=MARKER)
    return buffer.getvalue()


def opened(data: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(data))
    picture.load()
    return picture


def difference(a: Image.Image, b: Image.Image, area: tuple[int, int, int, int]) -> float:
    """The mean absolute difference of two pictures over `area`, 0 to 255."""
    changed = ImageChops.difference(a.convert("RGB").crop(area), b.convert("RGB").crop(area))
    return sum(ImageStat.Stat(changed).mean) / 3


def detail(picture: Image.Image, area: tuple[int, int, int, int]) -> float:
    """How much the pixels of `area` vary (a sharp region: high; a flat one: near 0)."""
    return sum(ImageStat.Stat(picture.convert("RGB").crop(area)).stddev) / 3


BOX = images.Box(left=0.25, top=0.25, width=0.5, height=0.25)


def test_the_blur_changes_every_part_of_the_box_strongly_and_nothing_outside_it() -> None:
    original = detailed_photo()
    before = opened(original)
    # The same pixels saved again: what re-encoding alone changes.
    encoded_again = opened(images.crop(original, images.Box(0, 0, 1, 1)))
    after = opened(images.blur_region(original, BOX))
    assert after.size == before.size
    inside = (300, 200, 900, 400)
    assert difference(before, after, inside) > 40
    # Every block of the box lost its detail: no corner of it was left readable.
    for x in range(300, 900, 100):
        for y in range(200, 400, 50):
            cell = (x, y, x + 100, y + 50)
            assert detail(after, cell) < detail(before, cell) / 4, cell
    # Outside, nothing but what re-encoding does anyway (past JPEG's 16-px blocks at the
    # box's edges, which hold pixels of both).
    for outside in ((0, 0, 1200, 176), (0, 416, 1200, 800), (0, 0, 288, 800), (912, 0, 1200, 800)):
        assert difference(encoded_again, after, outside) < 0.5, outside


def test_a_small_box_such_as_a_distant_plate_is_as_coarse_as_a_large_one() -> None:
    original = detailed_photo()
    plate = images.Box(left=0.5, top=0.5, width=0.05, height=0.025)  # 60 × 20 px
    after = opened(images.blur_region(original, plate))
    before = opened(original)
    area = (600, 400, 660, 420)
    assert difference(before, after, area) > 40
    # Coarseness is judged on the mean of several blurs: the random shift each block gets on
    # purpose (the next test) spreads a box of a few blocks by chance, and one blur in about
    # forty crossed the bar on that alone.
    blurs = [after] + [opened(images.blur_region(original, plate)) for _ in range(4)]
    mean = Image.fromarray(
        np.mean([np.asarray(each.convert("RGB"), dtype=np.float64) for each in blurs], axis=0)
        .round()
        .astype(np.uint8)
    )
    assert detail(mean, area) < detail(before, area) / 4


def test_two_blurs_of_the_same_picture_differ_so_candidates_cannot_be_matched() -> None:
    original = detailed_photo()
    first = opened(images.blur_region(original, BOX))
    second = opened(images.blur_region(original, BOX))
    assert difference(first, second, (300, 200, 900, 400)) > 1
    assert difference(first, second, (0, 0, 1200, 150)) < 1


def test_the_result_keeps_nothing_but_pixels() -> None:
    original = detailed_photo()
    assert MARKER in original
    for result in (images.blur_region(original, BOX), images.crop(original, BOX)):
        assert MARKER not in result
        picture = opened(result)
        assert picture.format == "JPEG"
        assert not picture.info.get("exif") and not picture.info.get("comment")
        assert not picture.getexif()


def test_a_crop_keeps_exactly_the_box() -> None:
    original = detailed_photo()
    result = opened(images.crop(original, images.Box(0.1, 0.2, 0.5, 0.25)))
    assert result.size == (600, 200)
    encoded_again = opened(images.crop(original, images.Box(0, 0, 1, 1)))
    # JPEG blocks start afresh at the crop's corner, so compare with a re-encoding loss.
    assert difference(encoded_again.crop((120, 160, 720, 360)), result, (0, 0, 600, 200)) < 12
    assert difference(encoded_again.crop((0, 0, 600, 200)), result, (0, 0, 600, 200)) > 40


def test_transparency_survives_as_webp() -> None:
    buffer = io.BytesIO()
    Image.new("RGBA", (400, 300), (200, 30, 30, 120)).save(buffer, "PNG")
    blurred = opened(images.blur_region(buffer.getvalue(), BOX))
    assert blurred.format == "WEBP" and blurred.mode == "RGBA"


def test_edit_image_makes_every_rendition_from_the_changed_pixels() -> None:
    original = detailed_photo((2000, 1000))
    processed = images.edit_image(original, images.BLUR, BOX)
    large, small = opened(processed.large.read()), opened(processed.small.read())
    assert (processed.width, processed.height) == large.size == (1600, 800)
    assert small.size == (640, 320)
    source = opened(original)
    for picture in (large, small):
        scale = picture.width / 2000
        inside = tuple(round(v * scale) for v in (520, 270, 1480, 480))
        reference = source.resize(picture.size)
        assert difference(reference, picture, inside) > 40  # type: ignore[arg-type]
    cropped = images.edit_image(original, images.CROP, BOX)
    assert (cropped.width, cropped.height) == (1000, 250)
    assert opened(cropped.small.read()).size == (640, 160)


@pytest.mark.parametrize(
    "values",
    [
        (0, 0, 0, 0.5),
        (0, 0, 0.5, 0),
        (-0.1, 0, 0.5, 0.5),
        (0.6, 0, 0.5, 0.5),
        (0, 0.7, 0.5, 0.5),
        (float("nan"), 0, 0.5, 0.5),
        (0, 0, float("inf"), 0.5),
    ],
)
def test_a_box_outside_the_image_or_without_a_size_is_refused(
    values: tuple[float, float, float, float],
) -> None:
    with pytest.raises(ValueError):
        images.Box(*values)


def test_a_box_of_a_hair_rounds_to_at_least_one_pixel() -> None:
    box = images.Box(0.999, 0.999, 0.001, 0.001)
    assert box.pixels((100, 50), outward=True) == (99, 49, 100, 50)
    assert box.pixels((100, 50), outward=False) == (99, 49, 100, 50)


def test_bytes_that_are_not_an_image_are_refused_with_a_message() -> None:
    with pytest.raises(ValidationError) as error:
        images.blur_region(b"not a picture at all", BOX)
    assert "not an image we can read" in " ".join(error.value.messages)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"left": "ten"}, "left", "Enter the left edge as a number from 0 to 100"),
        ({"top": "NaN"}, "top", "Enter the top edge as a number from 0 to 100"),
        ({"width": "1e9"}, "width", "Enter the width as a number from 0 to 100"),
        ({"width": "0"}, "width", "Enter a width more than 0."),
        ({"height": "-5"}, "height", "Enter the height as a number from 0 to 100"),
        ({"left": "60", "width": "50"}, "width", "goes past the right edge"),
        ({"top": "80", "height": "30"}, "height", "goes past the bottom"),
        ({"operation": "erase"}, "operation", "Choose whether to blur the region or crop"),
        ({"left": ""}, "left", "Enter the left edge"),
        ({"left": "1.125"}, "left", "at most two decimal places"),
    ],
)
def test_the_form_explains_each_bad_region(data: dict[str, str], field: str, message: str) -> None:
    values = {"operation": "blur", "left": "10", "top": "10", "width": "20", "height": "20"}
    form = RegionForm({**values, **data})
    assert not form.is_valid()
    assert message in " ".join(str(error) for error in form.errors[field]), form.errors


def test_the_form_turns_percent_into_a_box() -> None:
    form = RegionForm(
        {"operation": "crop", "left": "12.5", "top": "0", "width": "87.5", "height": "100"}
    )
    assert form.is_valid(), form.errors
    assert form.box() == images.Box(0.125, 0.0, 0.875, 1.0)
