from __future__ import annotations

import copy
from typing import Any, ClassVar

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from groundswell.campaigns.models import Campaign
from groundswell.lib.countries import current_country_choices
from groundswell.lib.emails import clean_email
from groundswell.lib.names import clean_name

from .models import Petition


class ReferralField(forms.CharField):
    """A hidden field saying where the signer came from: it never refuses a signature.

    The person did not type it and cannot correct it (a mangled share link, a site with a
    long host name in the Referer): what does not fit is cut, unprintable characters are
    dropped, and the signature goes through.
    """

    def __init__(self, *, limit: int) -> None:
        super().__init__(required=False, widget=forms.HiddenInput)
        self.limit = limit

    def to_python(self, value: Any) -> str:
        text = str(super().to_python(value))
        return "".join(char for char in text if char.isprintable())[: self.limit]


class SignForm(forms.Form):
    """The sign form; which optional fields appear depends on the petition."""

    given_name = forms.CharField(
        label=_("First name"),
        max_length=100,
        error_messages={"required": _("Enter your first name.")},
    )
    family_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    email = forms.CharField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
        help_text=_("We send you a link to confirm your signature."),
        error_messages={
            "required": _("Enter your email address."),
            "max_length": _("That email address is too long."),
        },
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=20, required=False)
    comment = forms.CharField(
        label=_("Why are you signing? (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    consent = forms.BooleanField(
        label=_("I agree"),
        error_messages={"required": _("Tick this box to sign: we cannot count you otherwise.")},
    )
    wants_updates = forms.BooleanField(label=_("Keep me updated"), required=False)
    ref = ReferralField(limit=64)
    ch = ReferralField(limit=40)
    ws = ReferralField(limit=200)

    def __init__(self, *args: Any, petition: Petition, **kwargs: Any) -> None:
        kwargs["auto_id"] = f"p{petition.pk}-%s"  # two petitions on one page: unique ids
        # Django deep-copies every field for every form, which was a third of the cost of
        # a signature under a spike. The fields for a petition are built once (below) and
        # shared: nothing changes a field after that, and binding data lives on the form.
        self.base_fields = {}  # type: ignore[misc]
        super().__init__(*args, **kwargs)
        self.petition = petition
        self.fields = dict(_fields_for(petition))

    def clean_email(self) -> str:
        return clean_email(self.cleaned_data.get("email", ""))

    def clean_given_name(self) -> str:
        name = clean_name(self.cleaned_data["given_name"])
        if not name:
            raise forms.ValidationError(_("Enter your first name."))
        return name

    def clean_family_name(self) -> str:
        return clean_name(self.cleaned_data.get("family_name", ""))


_shared_fields: dict[tuple[Any, ...], dict[str, forms.Field]] = {}


def forget_shared_fields() -> None:
    _shared_fields.clear()


def _fields_for(petition: Petition) -> dict[str, forms.Field]:
    """The sign form's fields for this petition (and language), built once per process."""
    key = (
        petition.pk,
        petition.consent_wording_id,
        petition.updates_wording_id,
        petition.collect_country,
        petition.collect_postcode,
        petition.collect_comment,
        get_language(),
    )
    fields = _shared_fields.get(key)
    if fields is None:
        fields = copy.deepcopy(SignForm.base_fields)
        fields["given_name"].widget.attrs["autocomplete"] = "given-name"
        fields["family_name"].widget.attrs["autocomplete"] = "family-name"
        fields["consent"].label = petition.consent_wording.text
        fields["wants_updates"].label = petition.updates_wording.text
        if petition.collect_country:
            country = fields["country"]
            assert isinstance(country, forms.ChoiceField)
            country.choices = [("", _("Choose…")), *current_country_choices()]
        else:
            del fields["country"]
        if not petition.collect_postcode:
            del fields["postcode"]
        else:
            fields["postcode"].widget.attrs["autocomplete"] = "postal-code"
        if not petition.collect_comment:
            del fields["comment"]
        if len(_shared_fields) > 500:
            _shared_fields.clear()
        _shared_fields[key] = fields
    return fields


class PetitionForm(forms.ModelForm[Petition]):
    consent_text = forms.CharField(
        label=_("Consent wording shown to signers"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Changing it creates a new version; each signature keeps the words it saw."),
    )
    updates_text = forms.CharField(
        label=_("Wording of the 'keep me updated' box"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )

    class Meta:
        model = Petition
        fields = (
            "campaign", "title", "ask", "target_name", "target_role", "target_email", "goal",
            "deadline", "collect_country", "collect_postcode", "collect_comment", "status",
        )  # fmt: skip
        widgets: ClassVar[dict[str, forms.Widget]] = {
            "ask": forms.Textarea(attrs={"rows": 5}),
            "deadline": forms.DateTimeInput(attrs={"type": "datetime-local"}),
        }

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        campaign_field = self.fields["campaign"]
        campaign_field.queryset = Campaign.objects.for_organisation(organisation)  # type: ignore[attr-defined]
        if self.instance.pk:
            self.fields["consent_text"].initial = self.instance.consent_wording.text
            self.fields["updates_text"].initial = self.instance.updates_wording.text
        else:
            from .petitions import DEFAULT_CONSENT, DEFAULT_UPDATES

            self.fields["consent_text"].initial = DEFAULT_CONSENT
            self.fields["updates_text"].initial = DEFAULT_UPDATES

    def clean_goal(self) -> int:
        goal: int = self.cleaned_data["goal"]
        if goal < 1 or goal > 100_000_000:
            raise forms.ValidationError(_("Set a goal between 1 and 100,000,000."))
        return goal


class UpdateForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 8}), max_length=10_000
    )
