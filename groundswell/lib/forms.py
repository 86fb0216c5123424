"""Form pieces shared by the apps."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .emails import clean_email
from .images import ProcessedImage, process_image
from .names import clean_name


class ImageUploadField(forms.FileField):
    """A file field that validates the upload as an image and returns it processed."""

    widget = forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"})

    def clean(self, data: Any, initial: Any = None) -> ProcessedImage | None:
        upload = super().clean(data, initial)
        if not upload or upload is initial:
            return None
        return process_image(upload, size=upload.size, name="image")


def unique_slug_error(form: forms.BaseForm, queryset: Any, slug: str, exclude_pk: Any) -> None:
    if queryset.filter(slug=slug).exclude(pk=exclude_pk).exists():
        form.add_error(
            "slug",
            ValidationError(
                _("“%(slug)s” is already used in this organisation; choose another."),
                params={"slug": slug},
            ),
        )


class PersonCleaning:
    """How every public form reads a person's email and names (sign, donate, pledge).

    A mixin for a `forms.Form` that declares `email`, `given_name` and, where asked,
    `family_name`: Django calls each `clean_<field>` only for fields the form has.
    """

    cleaned_data: dict[str, Any]

    def clean_email(self) -> str:
        return clean_email(self.cleaned_data.get("email", ""))

    def clean_given_name(self) -> str:
        name = clean_name(self.cleaned_data["given_name"])
        if not name:
            raise forms.ValidationError(_("Enter your first name."))
        return name

    def clean_family_name(self) -> str:
        return clean_name(self.cleaned_data.get("family_name", ""))


class ReferralField(forms.CharField):
    """A hidden field saying where a person came from: it never refuses their action.

    The person did not type it and cannot correct it (a mangled share link, a site with a
    long host name in the Referer): what does not fit is cut, unprintable characters are
    dropped, and the action goes through.
    """

    def __init__(self, *, limit: int) -> None:
        super().__init__(required=False, widget=forms.HiddenInput)
        self.limit = limit

    def to_python(self, value: Any) -> str:
        text = str(super().to_python(value))
        return "".join(char for char in text if char.isprintable())[: self.limit]
