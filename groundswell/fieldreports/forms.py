"""The public report form, the staff's review form and the organisation's report set-up."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from groundswell.lib.emails import clean_email
from groundswell.lib.forms import ImageUploadField

from .models import GRIDS, MAX_BODY, MAX_TITLE, ReportArea

MAX_AREAS = 50


def _coordinate(label: Any, low: int, high: int, message: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=Decimal(low),
        max_value=Decimal(high),
        max_digits=12,
        decimal_places=8,
        error_messages={
            "invalid": message,
            "min_value": message,
            "max_value": message,
            "max_digits": message,
            "max_whole_digits": message,
            "max_decimal_places": _("Use at most 8 decimal places."),
        },
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class ReportForm(forms.Form):
    title = forms.CharField(
        label=_("In a few words, what happened?"),
        max_length=MAX_TITLE,
        error_messages={
            "required": _("Enter a few words saying what happened."),
            "max_length": _("Keep the title to %(limit_value)d characters or fewer."),
        },
    )
    body = forms.CharField(
        label=_("Tell us more"),
        help_text=_("What you saw, when, and anything that helps us check it. Do not name people."),
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": _("Tell us what happened."),
            "max_length": _("Keep it to %(limit_value)d characters or fewer."),
        },
    )
    photo = ImageUploadField(
        label=_("A photo (optional)"),
        help_text=_(
            "JPEG, PNG, WebP or GIF. We remove the hidden details a camera stores (such as "
            "where it was taken) and may blur faces before anyone else sees it."
        ),
        required=False,
    )
    photo_alt = forms.CharField(
        label=_("What the photo shows (optional)"),
        max_length=200,
        required=False,
        error_messages={"max_length": _("Keep it to %(limit_value)d characters or fewer.")},
    )
    latitude = _coordinate(
        _("Latitude"), -90, 90, _("Enter the latitude as a number from -90 to 90, like 51.5072.")
    )
    longitude = _coordinate(
        _("Longitude"),
        -180,
        180,
        _("Enter the longitude as a number from -180 to 180, like -0.1276."),
    )
    area = forms.ModelChoiceField(
        label=_("Or choose an area"),
        queryset=ReportArea.objects.none(),
        required=False,
        empty_label=_("No area chosen"),
        error_messages={"invalid_choice": _("Choose one of the areas in the list.")},
    )
    name = forms.CharField(
        label=_("Your name (optional)"),
        max_length=100,
        required=False,
        error_messages={"max_length": _("Keep your name to %(limit_value)d characters or fewer.")},
    )
    email = forms.CharField(
        label=_("Your email (optional)"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"max_length": _("That email address is too long.")},
    )
    phone = forms.CharField(
        label=_("Your phone number (optional)"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        error_messages={"max_length": _("Keep the phone number to %(limit_value)d characters.")},
    )

    def __init__(self, *args: Any, areas: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if areas is not None and areas.exists():
            area = self.fields["area"]
            assert isinstance(area, forms.ModelChoiceField)
            area.queryset = areas
        else:
            del self.fields["area"]

    def clean_email(self) -> str:
        value = self.cleaned_data.get("email", "").strip()
        return clean_email(value) if value else ""

    def clean_phone(self) -> str:
        value = " ".join(self.cleaned_data.get("phone", "").split())
        if value and not all(char.isdigit() or char in "+-() " for char in value):
            raise ValidationError(_("Enter a phone number with digits only, like +44 7700 900123."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        latitude, longitude = data.get("latitude"), data.get("longitude")
        if "latitude" in self.errors or "longitude" in self.errors:
            return data
        if latitude is not None and longitude is None:
            self.add_error("longitude", _("Enter the longitude too, or leave both empty."))
        elif longitude is not None and latitude is None:
            self.add_error("latitude", _("Enter the latitude too, or leave both empty."))
        elif latitude is None and not data.get("area") and "area" not in self.errors:
            self.add_error(
                "latitude",
                _("Say where it happened: type the latitude and longitude, or choose an area.")
                if "area" in self.fields
                else _("Say where it happened: type the latitude and longitude."),
            )
        return data


class ReviewForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("verify", "verify"), ("publish", "publish"), ("reject", "reject")],
        error_messages={
            "required": _("Choose what to do with the report."),
            "invalid_choice": _("Choose what to do with the report."),
        },
    )
    reason = forms.CharField(
        label=_("Reason (shown to staff; required to reject)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": _("Keep the reason to %(limit_value)d characters.")},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "reject" and not data.get("reason", "").strip():
            self.add_error("reason", _("Say why the report is rejected."))
        return data


def _parse_areas(text: str) -> list[tuple[str, Decimal, Decimal]]:
    areas: list[tuple[str, Decimal, Decimal]] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split(",")]
        example = _(
            "Write each area as: name, latitude, longitude (like “Mill Lane, 51.5, -0.12”)."
        )
        if len(parts) != 3 or not parts[0]:
            raise ValidationError(_("Line %(n)d: %(example)s") % {"n": number, "example": example})
        name = parts[0][:80]
        try:
            latitude, longitude = Decimal(parts[1]), Decimal(parts[2])
        except InvalidOperation:
            raise ValidationError(
                _("Line %(n)d: %(example)s") % {"n": number, "example": example}
            ) from None
        if not (latitude.is_finite() and longitude.is_finite()):
            raise ValidationError(_("Line %(n)d: %(example)s") % {"n": number, "example": example})
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ValidationError(
                _("Line %(n)d: a latitude is from -90 to 90 and a longitude from -180 to 180.")
                % {"n": number}
            )
        if name.casefold() in seen:
            raise ValidationError(
                _("Line %(n)d: “%(name)s” is named twice.") % {"n": number, "name": name}
            )
        seen.add(name.casefold())
        areas.append(
            (name, latitude.quantize(Decimal("0.000001")), longitude.quantize(Decimal("0.000001")))
        )
    if len(areas) > MAX_AREAS:
        raise ValidationError(_("List at most %(n)d areas.") % {"n": MAX_AREAS})
    return areas


class SetupForm(forms.Form):
    grid = forms.TypedChoiceField(
        label=_("How coarsely to blur every report's place"),
        help_text=_(
            "Every place is moved to the centre of a square of this size before anyone sees "
            "it. 0.01° is the finest allowed."
        ),
        choices=[(str(value), label) for value, label in GRIDS],
        coerce=Decimal,
        error_messages={
            "required": _("Choose a grid."),
            "invalid_choice": _("Choose one of the grids in the list."),
        },
    )
    areas = forms.CharField(
        label=_("Areas people may choose instead of coordinates"),
        help_text=_("One a line: name, latitude, longitude. Like “Mill Lane, 51.5072, -0.1276”."),
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "max_length": _("The list is too long: keep it to %(limit_value)d characters.")
        },
    )

    def clean_areas(self) -> list[tuple[str, Decimal, Decimal]]:
        return _parse_areas(self.cleaned_data.get("areas", ""))
