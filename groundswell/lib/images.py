"""Check and resize uploaded images with Pillow. Nothing here touches the database."""

from __future__ import annotations

import io
import math
import os
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageChops, ImageCms, ImageFilter, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
LARGE_WIDTH = 1600
SMALL_WIDTH = 640


@dataclass
class ProcessedImage:
    large: ContentFile[bytes]
    small: ContentFile[bytes]
    width: int
    height: int


def _pixels_only(image: Image.Image) -> Image.Image:
    """A new image holding only the pixels: no comment, EXIF, XMP, ICC or text chunk.

    Pillow copies `info` (a JPEG's COM segment among it) from image to image and writes some
    of it back on save, so stripping fields one by one misses whatever a new Pillow carries
    over. Colours in an embedded profile are first converted to sRGB so they still look right.
    """
    has_alpha = image.mode in ("RGBA", "LA", "PA", "P") or "transparency" in image.info
    image = image.convert("RGBA" if has_alpha else "RGB")
    profile = image.info.get("icc_profile")
    if profile and not has_alpha:
        try:
            converted = ImageCms.profileToProfile(
                image, io.BytesIO(profile), ImageCms.createProfile("sRGB"), outputMode="RGB"
            )
            if converted is not None:
                image = converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # an unreadable profile: keep the pixels as they are
    return Image.frombytes(image.mode, image.size, image.tobytes())


def _encode(image: Image.Image, width: int, name: str) -> ContentFile[bytes]:
    copy = image.copy()
    if copy.width > width:
        copy.thumbnail((width, width * 4))
    buffer = io.BytesIO()
    if copy.mode == "RGBA":
        copy.save(buffer, "WEBP", quality=80)
        return ContentFile(buffer.getvalue(), name=f"{name}.webp")
    copy.convert("RGB").save(buffer, "JPEG", quality=82, optimize=True, progressive=True)
    return ContentFile(buffer.getvalue(), name=f"{name}.jpg")


def process_image(
    upload: IO[bytes], *, size: int | None = None, name: str = "image"
) -> ProcessedImage:
    """Validate an upload and return re-encoded large and small versions.

    Re-encoding keeps nothing but pixels: no EXIF (location!), comment, XMP, ICC profile
    or text chunk reaches a stored file. Raises
    ValidationError with a message fit to show to the person who uploaded it.
    """
    limit = settings.MAX_IMAGE_UPLOAD_BYTES
    if size is not None and size > limit:
        raise ValidationError(
            _("The image is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )
    Image.MAX_IMAGE_PIXELS = settings.MAX_IMAGE_PIXELS
    try:
        upload.seek(0)
        image: Image.Image = Image.open(upload)
        if image.format not in ACCEPTED_FORMATS:
            raise ValidationError(
                _("Upload a JPEG, PNG, WebP or GIF image (this file is %(format)s).")
                % {"format": image.format or _("unknown")}
            )
        if image.width * image.height > settings.MAX_IMAGE_PIXELS:
            raise ValidationError(_("The image has too many pixels; make it smaller."))
        image.load()
        image = _pixels_only(ImageOps.exif_transpose(image))
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError):
        raise ValidationError(_("This file is not an image we can read.")) from None
    return ProcessedImage(
        large=_encode(image, LARGE_WIDTH, name),
        small=_encode(image, SMALL_WIDTH, f"{name}-small"),
        width=min(image.width, LARGE_WIDTH),
        height=round(image.height * min(1.0, LARGE_WIDTH / image.width)),
    )


# --- Blurring and cropping a region ---------------------------------------------------------

BLUR = "blur"
CROP = "crop"
OPERATIONS = (BLUR, CROP)
# The blurred region keeps at most this many blocks across its longer side: a face or a
# number plate becomes a handful of flat colours, which no sharpening can read again.
BLOCKS_ACROSS = 6
# ... and no block is smaller than this share of the image's longer side, so a small box
# (a plate far away) is as coarse as a large one, nor smaller than MIN_BLOCK pixels.
BLOCK_SHARE = 1 / 50
MIN_BLOCK = 12
# Each block's colour moves by up to this much at random, so trying candidate faces or
# plates through the same pixelation and comparing the result does not find the original.
NOISE = 16


@dataclass(frozen=True)
class Box:
    """A region as fractions (0 to 1) of an image's width and height.

    Fractions, not pixels, so one box means the same region on every rendition of an image
    (the large file, the small one, a preview). Raises ValueError for a box that is empty,
    not a number, or outside the image.
    """

    left: float
    top: float
    width: float
    height: float

    def __post_init__(self) -> None:
        values = (self.left, self.top, self.width, self.height)
        if not all(isinstance(v, int | float) and math.isfinite(v) for v in values):
            raise ValueError("a box is four finite numbers")
        if self.left < 0 or self.top < 0 or self.width <= 0 or self.height <= 0:
            raise ValueError("a box starts inside the image and has a size")
        # A hair of tolerance: 0.3 + 0.7 is not exactly 1.0 in binary.
        if self.left + self.width > 1 + 1e-9 or self.top + self.height > 1 + 1e-9:
            raise ValueError("a box ends inside the image")

    def pixels(self, size: tuple[int, int], *, outward: bool) -> tuple[int, int, int, int]:
        """(left, top, right, bottom) in pixels of an image of `size`, at least 1×1.

        Outward rounding covers every pixel the box touches (what a blur must hide);
        otherwise the nearest pixel edges (what a crop keeps).
        """
        width, height = size
        if outward:
            x0, y0 = math.floor(self.left * width), math.floor(self.top * height)
            x1 = math.ceil((self.left + self.width) * width)
            y1 = math.ceil((self.top + self.height) * height)
        else:
            x0, y0 = round(self.left * width), round(self.top * height)
            x1 = round((self.left + self.width) * width)
            y1 = round((self.top + self.height) * height)
        x1, y1 = min(x1, width), min(y1, height)
        x0, y0 = min(x0, x1 - 1), min(y0, y1 - 1)
        return max(x0, 0), max(y0, 0), max(x1, 1), max(y1, 1)

    def as_percent(self) -> dict[str, float]:
        """The box as the percentages people type, for the audit log and forms."""
        return {
            "left": round(self.left * 100, 2),
            "top": round(self.top * 100, 2),
            "width": round(self.width * 100, 2),
            "height": round(self.height * 100, 2),
        }


def _decode(data: bytes) -> Image.Image:
    """The pixels of an image we may not have made ourselves (the same checks as an upload)."""
    Image.MAX_IMAGE_PIXELS = settings.MAX_IMAGE_PIXELS
    try:
        image: Image.Image = Image.open(io.BytesIO(data))
        if image.format not in ACCEPTED_FORMATS:
            raise ValidationError(_("This file is not an image we can read."))
        if image.width * image.height > settings.MAX_IMAGE_PIXELS:
            raise ValidationError(_("The image has too many pixels; make it smaller."))
        image.load()
        return _pixels_only(ImageOps.exif_transpose(image))
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError):
        raise ValidationError(_("This file is not an image we can read.")) from None


def _with_noise(image: Image.Image) -> Image.Image:
    """Shift each colour value by a random amount within ±NOISE (transparency untouched)."""
    bands = list(image.split())
    for index in range(min(3, len(bands))):
        band = bands[index]
        # Uniform 0..2*NOISE from the system's random source, then centred on zero.
        noise = Image.frombytes("L", band.size, os.urandom(band.width * band.height)).point(
            lambda value: value * (2 * NOISE + 1) // 256
        )
        bands[index] = ImageChops.add(band, noise, offset=-NOISE)
    return Image.merge(image.mode, bands)


def _blurred(image: Image.Image, box: Box) -> Image.Image:
    """A copy of `image` with the box pixelated coarsely, jittered and blurred.

    Only the box's pixels are read and written: the region is cut out, worked on and
    pasted back, so nothing outside it changes and nothing of it leaks out through the
    blur's edges.
    """
    result = image.copy()
    x0, y0, x1, y1 = box.pixels(image.size, outward=True)
    region = image.crop((x0, y0, x1, y1))
    block = max(
        MIN_BLOCK,
        math.ceil(max(region.size) / BLOCKS_ACROSS),
        math.ceil(max(image.size) * BLOCK_SHARE),
    )
    across = (max(1, math.ceil(region.width / block)), max(1, math.ceil(region.height / block)))
    # BOX averages every pixel of a block: each block keeps one colour and nothing else.
    coarse = _with_noise(region.resize(across, Image.Resampling.BOX))
    pixelated = coarse.resize(region.size, Image.Resampling.NEAREST)
    result.paste(pixelated.filter(ImageFilter.GaussianBlur(block / 2)), (x0, y0))
    return result


def _cropped(image: Image.Image, box: Box) -> Image.Image:
    return image.crop(box.pixels(image.size, outward=False))


def _apply(image: Image.Image, operation: str, box: Box) -> Image.Image:
    if operation == BLUR:
        return _blurred(image, box)
    if operation == CROP:
        return _cropped(image, box)
    raise ValueError(f"unknown operation {operation!r}")


def _same_size(image: Image.Image, name: str) -> bytes:
    encoded: bytes = _encode(image, max(image.width, 1), name).read()
    return encoded


def blur_region(data: bytes, box: Box) -> bytes:
    """The image `data` with the region `box` blurred beyond reading, re-encoded at the same
    size (JPEG, or WebP when it has transparency) with nothing but pixels in it."""
    return _same_size(_blurred(_decode(data), box), "image")


def crop(data: bytes, box: Box) -> bytes:
    """The region `box` of the image `data`, re-encoded with nothing but pixels in it."""
    return _same_size(_cropped(_decode(data), box), "image")


def edit_image(data: bytes, operation: str, box: Box, *, name: str = "image") -> ProcessedImage:
    """Blur (`BLUR`) or crop to (`CROP`) the region `box` of the kept image `data`, and make
    every rendition afresh from the result, so none of them keeps what was blurred or
    cropped away. Raises ValidationError when `data` is not an image we read."""
    image = _apply(_decode(data), operation, box)
    return ProcessedImage(
        large=_encode(image, LARGE_WIDTH, name),
        small=_encode(image, SMALL_WIDTH, f"{name}-small"),
        width=min(image.width, LARGE_WIDTH),
        height=round(image.height * min(1.0, LARGE_WIDTH / image.width)),
    )


def preview(data: bytes, operation: str, box: Box) -> bytes:
    """What `edit_image` would make of `data`, at the size of `data` (show a small rendition)."""
    return _same_size(_apply(_decode(data), operation, box), "preview")
