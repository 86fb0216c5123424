from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from groundswell.campaigns.models import Campaign
from groundswell.lib import http
from groundswell.lib.forms import ImageUploadField, unique_slug_error
from groundswell.lib.languages import CONTENT_LANGUAGES

from .models import Story


class StoryForm(forms.ModelForm[Story]):
    language = forms.ChoiceField(label=_("Language"), choices=CONTENT_LANGUAGES, initial="en")

    class Meta:
        model = Story
        fields = ("title", "slug", "campaign", "language", "summary", "body", "link_url")
        widgets: ClassVar[dict[str, forms.Widget]] = {
            "summary": forms.Textarea(attrs={"rows": 2}),
            "body": forms.Textarea(attrs={"rows": 16}),
        }
        help_texts: ClassVar[dict[str, str | Promise]] = {
            "body": _("Markdown: **bold**, _italic_, [a link](https://…), ## a heading."),
            "link_url": _("A video or web page to show as a card (we never embed its scripts)."),
        }

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        campaign_field = self.fields["campaign"]
        campaign_field.queryset = Campaign.objects.for_organisation(organisation)  # type: ignore[attr-defined]

    def clean_link_url(self) -> str:
        url: str = self.cleaned_data.get("link_url", "")
        if url:
            # Only the shape: a DNS lookup here would let a slow DNS server hold the page.
            # The worker resolves the name and refuses a private address on the card.
            try:
                http.check_url_shape(url)
            except http.BlockedAddress:
                raise forms.ValidationError(
                    _("Links to private or local network addresses are not allowed.")
                ) from None
            except http.FetchError:
                pass  # the card will say why it cannot be fetched
        return url

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if slug := data.get("slug"):
            unique_slug_error(
                self, Story.objects.for_organisation(self.organisation), slug, self.instance.pk
            )
        return data

    def validate_unique(self) -> None:
        pass  # the slug is unique per organisation, which clean() checks


class ImageForm(forms.Form):
    image = ImageUploadField(label=_("Image"), help_text=_("JPEG, PNG, WebP or GIF, up to 8 MB."))
    alt_text = forms.CharField(
        label=_("Describe the image for people who cannot see it"), max_length=300
    )


class TransitionForm(forms.Form):
    action = forms.CharField(max_length=20)
    note = forms.CharField(max_length=500, required=False)
