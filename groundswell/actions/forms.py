from __future__ import annotations

import copy
from typing import Any, ClassVar

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from groundswell.campaigns.models import Campaign
from groundswell.lib import proofofwork
from groundswell.lib.countries import current_country_choices
from groundswell.lib.forms import PersonCleaning, ReferralField

from .models import Petition
from .signals import KINDS


class SignForm(PersonCleaning, forms.Form):
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
    # Quieter signals (signals.py): the form's signed render time, and a field hidden from
    # people that robots fill in. Neither refuses a signature: the worker records them.
    shown = ReferralField(limit=100)
    website = forms.CharField(
        label=_("Leave this field empty: it is here to catch robots."),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    # The proof of work, while staff ask for one (lib/proofofwork.py, templatetags).
    challenge = ReferralField(limit=200)
    proof = ReferralField(limit=40)

    def __init__(self, *args: Any, petition: Petition, **kwargs: Any) -> None:
        kwargs["auto_id"] = f"p{petition.pk}-%s"  # two petitions on one page: unique ids
        # Django deep-copies every field for every form, which was a third of the cost of
        # a signature under a spike. The fields for a petition are built once (below) and
        # shared: nothing changes a field after that, and binding data lives on the form.
        self.base_fields = {}  # type: ignore[misc]
        super().__init__(*args, **kwargs)
        self.petition = petition
        self.fields = dict(_fields_for(petition))

    def clean(self) -> dict[str, Any]:
        """A proof of work, when one came, must be good: pure CPU, no query. None at all is
        taken (no JavaScript), and the worker marks the signature unverified."""
        data = super().clean() or {}
        data["proof_key"] = ""
        if self.petition.challenge and data.get("proof"):
            try:
                data["proof_key"] = proofofwork.check(data.get("challenge", ""), data["proof"])
            except proofofwork.Refused as refused:
                raise forms.ValidationError(
                    PROOF_EXPIRED if refused.expired else PROOF_FAILED, code="proof"
                ) from None
        return data


PROOF_FAILED = _(
    "The check your browser runs before sending did not work out. Press “Sign the petition” again."
)
PROOF_EXPIRED = _(
    "This page was open too long for its browser check to count. Press “Sign the petition” again."
)


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


STATE_CHOICES = [
    ("", _("Any state")),
    ("unverified", _("Unverified: waiting, not counted")),
    ("pending", _("Waiting for email confirmation")),
    ("confirmed", _("Confirmed")),
]


class SignalFilterForm(forms.Form):
    """Which signatures the signals page lists: a bad value shows its message, the rest filter."""

    signal = forms.ChoiceField(label=_("Signal"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False, choices=STATE_CHOICES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        signal = self.fields["signal"]
        assert isinstance(signal, forms.ChoiceField)
        signal.choices = [("", _("Any signal")), *((kind.slug, kind.label) for kind in KINDS)]
