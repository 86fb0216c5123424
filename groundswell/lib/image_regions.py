"""The form and preview shared by every page that blurs or crops a region of an image.

Story images and campaign covers use it now; whatever the public sends in later (reports)
can use the same form, template (`includes/image_region.html`) and script.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from . import images, media

# The grid drawn over the image: a line every tenth, labelled with its percentage.
GRID = tuple(range(0, 100, 10))

_LABELS = {
    "left": (_("Left edge (%)"), _("Enter the left edge as a number from 0 to 100, like 25.")),
    "top": (_("Top edge (%)"), _("Enter the top edge as a number from 0 to 100, like 25.")),
    "width": (_("Width (%)"), _("Enter the width as a number from 0 to 100, like 12.5.")),
    "height": (_("Height (%)"), _("Enter the height as a number from 0 to 100, like 12.5.")),
}


def _percent_field(name: str) -> forms.DecimalField:
    label, message = _LABELS[name]
    return forms.DecimalField(
        label=label,
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=6,
        decimal_places=2,
        error_messages={
            "required": message,
            "invalid": message,
            "min_value": message,
            "max_value": message,
            "max_digits": message,
            "max_whole_digits": message,
            "max_decimal_places": _("Use at most two decimal places, like 12.25."),
        },
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "narrow"}),
    )


class RegionForm(forms.Form):
    """A region of an image in percent of its width and height, and what to do with it."""

    operation = forms.ChoiceField(
        label=_("What to do with the region"),
        initial=images.BLUR,
        choices=[
            (images.BLUR, _("Blur it, for good (faces, number plates)")),
            (images.CROP, _("Crop the image to it (keep only the region)")),
        ],
        error_messages={
            "required": _("Choose whether to blur the region or crop to it."),
            "invalid_choice": _("Choose whether to blur the region or crop to it."),
        },
    )
    left = _percent_field("left")
    top = _percent_field("top")
    width = _percent_field("width")
    height = _percent_field("height")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        left, top = data.get("left"), data.get("top")
        width, height = data.get("width"), data.get("height")
        if width is not None and width <= 0:
            self.add_error("width", _("Enter a width more than 0."))
        elif width is not None and left is not None and left + width > 100:
            self.add_error(
                "width",
                _(
                    "The region goes past the right edge of the image: the left edge "
                    "(%(left)s) plus the width (%(width)s) must be 100 or less."
                )
                % {"left": left, "width": width},
            )
        if height is not None and height <= 0:
            self.add_error("height", _("Enter a height more than 0."))
        elif height is not None and top is not None and top + height > 100:
            self.add_error(
                "height",
                _(
                    "The region goes past the bottom of the image: the top edge "
                    "(%(top)s) plus the height (%(height)s) must be 100 or less."
                )
                % {"top": top, "height": height},
            )
        return data

    def box(self) -> images.Box:
        """The valid form's region (call after is_valid())."""
        data = self.cleaned_data
        return images.Box(
            left=float(data["left"]) / 100,
            top=float(data["top"]) / 100,
            width=float(data["width"]) / 100,
            height=float(data["height"]) / 100,
        )

    def query(self) -> dict[str, str]:
        """The valid form's values, to put in the preview image's address."""
        return {
            name: str(self.cleaned_data[name])
            for name in ("operation", "left", "top", "width", "height")
        }


def preview_response(data: bytes, form: RegionForm) -> HttpResponse:
    """The preview image of a valid form's change to `data`, never kept by anyone."""
    picture = images.preview(data, form.cleaned_data["operation"], form.box())
    kind = "image/webp" if picture[:4] == b"RIFF" else "image/jpeg"
    response = HttpResponse(picture, content_type=kind)
    response["Cache-Control"] = "private, no-store"
    return response


def stored_bytes(field: FieldFile) -> bytes:
    """The whole stored file of `field`; ValidationError with a message to show when the
    storage cannot give it (the file is gone, or object storage is out of reach)."""
    try:
        with field.open("rb") as stored:
            data: bytes = stored.read()
    except (OSError, ValueError, *media.STORAGE_ERRORS):
        raise ValidationError(
            _("The stored picture could not be read. Try again in a minute, or upload it again.")
        ) from None
    return data


@dataclass
class RegionStep:
    """Where a "Blur or crop" page stands after its request: `done` once the change is
    stored; else the form (with its errors) and, after a valid preview, the address of the
    preview picture."""

    form: RegionForm
    preview_url: str = ""
    done: bool = False
    context: dict[str, Any] = field(default_factory=dict)


def region_step(
    request: HttpRequest, preview_address: str, change: Callable[[str, images.Box], object]
) -> RegionStep:
    """Run one request of a "Blur or crop" page.

    A POST with `preview` only validates and points at the preview picture; a POST with
    `apply` calls `change(operation, box)`, the app's service, whose refusal
    (PermissionDenied, ValidationError) is shown on the form with nothing stored changed.
    """
    form = RegionForm(request.POST or None)
    step = RegionStep(form)
    if request.method == "POST" and form.is_valid():
        if "apply" in request.POST:
            try:
                change(form.cleaned_data["operation"], form.box())
            except ValidationError as error:
                form.add_error(None, " ".join(error.messages))
            except PermissionDenied as error:
                form.add_error(None, str(error))
            else:
                step.done = True
        else:
            step.preview_url = f"{preview_address}?{urlencode(form.query())}"
    step.context = {
        "form": form,
        "grid": GRID,
        "box": form.cleaned_data if step.preview_url else None,
        "preview_url": step.preview_url,
    }
    return step


def preview_picture(request: HttpRequest, field: FieldFile) -> HttpResponse:
    """The preview view's answer for the region in the query string: the picture that the
    file of `field` (a small rendition) would become; 400 for a region that is not valid,
    404 when the stored file cannot be read."""
    form = RegionForm(request.GET)
    if not form.is_valid():
        return _plain(str(_("The region is not valid.")), 400)
    try:
        data = stored_bytes(field)
    except ValidationError as error:
        return _plain(" ".join(error.messages), 404)
    return preview_response(data, form)


def _plain(text: str, status: int) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
