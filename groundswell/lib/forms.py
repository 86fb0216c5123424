"""Form pieces shared by the apps."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .images import ProcessedImage, process_image


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
