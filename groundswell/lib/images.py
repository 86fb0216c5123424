"""Check and resize uploaded images with Pillow. Nothing here touches the database."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

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
