from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from groundswell.lib.dateinput import DatePartsField
from groundswell.lib.forms import ImageUploadField, unique_slug_error
from groundswell.lib.languages import CONTENT_LANGUAGES

from .models import Campaign


class CampaignForm(forms.ModelForm[Campaign]):
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=CONTENT_LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    # The GOV.UK date input (three boxes), not the browser's date picker.
    starts_on = DatePartsField(label=_("Starts on"), what=_("the start date"), required=False)
    ends_on = DatePartsField(label=_("Ends on"), what=_("the end date"), required=False)
    cover_upload = ImageUploadField(
        label=_("Cover image"), required=False, help_text=_("JPEG, PNG, WebP or GIF, up to 8 MB.")
    )

    class Meta:
        model = Campaign
        fields = (
            "title", "slug", "summary", "change_sought", "status",
            "starts_on", "ends_on", "languages", "cover_alt",
        )  # fmt: skip
        widgets: ClassVar[dict[str, forms.Widget]] = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "change_sought": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The end date is before the start date."))
        has_cover = data.get("cover_upload") or (self.instance.pk and self.instance.cover)
        if has_cover and not data.get("cover_alt", "").strip():
            self.add_error(
                "cover_alt",
                _("Describe the cover image for people who cannot see it."),
            )
        if slug := data.get("slug"):
            unique_slug_error(
                self, Campaign.objects.for_organisation(self.organisation), slug, self.instance.pk
            )
        return data

    def validate_unique(self) -> None:
        # The organisation is not a form field; clean() checks the slug within it instead.
        pass
