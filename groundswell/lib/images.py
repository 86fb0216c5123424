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
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
LARGE_WIDTH = 1600
SMALL_WIDTH = 640


@dataclass
class ProcessedImage:
    large: ContentFile
    small: ContentFile
    width: int
    height: int


def _encode(image: Image.Image, width: int, name: str) -> ContentFile:
    copy = image.copy()
    if copy.width > width:
        copy.thumbnail((width, width * 4))
    buffer = io.BytesIO()
    if copy.mode in ("RGBA", "LA", "P"):
        copy = copy.convert("RGBA")
        copy.save(buffer, "WEBP", quality=80)
        return ContentFile(buffer.getvalue(), name=f"{name}.webp")
    copy.convert("RGB").save(buffer, "JPEG", quality=82, optimize=True, progressive=True)
    return ContentFile(buffer.getvalue(), name=f"{name}.jpg")


def process_image(
    upload: IO[bytes], *, size: int | None = None, name: str = "image"
) -> ProcessedImage:
    """Validate an upload and return re-encoded large and small versions.

    Re-encoding drops EXIF (location!) and anything that is not pixels. Raises
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
        image = ImageOps.exif_transpose(image)
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
