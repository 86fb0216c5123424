from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from groundswell.actions.models import Petition
from groundswell.campaigns.models import Campaign
from groundswell.lib.dateinput import DatePartsField
from groundswell.lib.http import FetchError, check_url_shape

from .models import MAX_EVIDENCE, Kind

_URL = URLValidator(schemes=["http", "https"])


class PetitionChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(
            _("%(title)s — to %(target)s (%(status)s)")
            % {"title": obj.title, "target": obj.target_name, "status": obj.get_status_display()}
        )


class EntryForm(forms.Form):
    campaign = forms.ModelChoiceField(
        label=_("Campaign"),
        queryset=Campaign.objects.none(),
        error_messages={
            "required": _("Choose the campaign"),
            "invalid_choice": _("Choose one of your organisation's campaigns"),
        },
    )
    petition = PetitionChoice(
        label=_("Petition (optional)"),
        queryset=Petition.objects.none(),
        required=False,
        empty_label=_("No petition"),
        help_text=_(
            "Its decision-maker and status are shown with the entry; its signers can be told."
        ),
        error_messages={"invalid_choice": _("Choose one of your organisation's petitions")},
    )
    kind = forms.ChoiceField(
        label=_("What kind of step was it?"),
        choices=Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what kind of step it was")},
    )
    happened_on = DatePartsField(
        label=_("When did it happen?"),
        what=_("the date"),
        help_text=_("For example, 27 3 2026"),
    )
    title = forms.CharField(
        label=_("What happened, in one line"),
        max_length=200,
        help_text=_("For example: “We handed 1,240 signatures to the council”."),
        error_messages={
            "required": _("Say what happened, in one line"),
            "max_length": _("Keep it to 200 characters or fewer; put the rest in the details"),
        },
    )
    details = forms.CharField(
        label=_("Details (optional)"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"max_length": _("Keep the details to 5,000 characters or fewer")},
    )
    evidence = forms.CharField(
        label=_("Evidence links (optional)"),
        required=False,
        max_length=2500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Up to 5 web addresses, one per line: a photo of the hand-in, the council's "
            "minutes, a news report."
        ),
        error_messages={"max_length": _("Enter 5 links or fewer, one per line")},
    )
    public = forms.BooleanField(
        label=_("Show it on the campaign's public page"),
        required=False,
        help_text=_("Its words pass the safety check first."),
    )
    move_petition = forms.BooleanField(
        label=_("Also set the petition's status to match"),
        required=False,
        help_text=_("Delivered for a delivery, won for a win, closed for a loss."),
    )

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = (  # type: ignore[attr-defined]
            Campaign.objects.for_organisation(organisation).order_by("title")
        )
        self.fields["petition"].queryset = (  # type: ignore[attr-defined]
            Petition.objects.for_organisation(organisation).order_by("title")
        )

    def clean_evidence(self) -> list[str]:
        lines = [
            line.strip() for line in self.cleaned_data["evidence"].splitlines() if line.strip()
        ]
        if len(lines) > MAX_EVIDENCE:
            raise ValidationError(_("Enter 5 links or fewer, one per line"))
        for number, line in enumerate(lines, start=1):
            try:
                _URL(line)
                check_url_shape(line)
            except (ValidationError, FetchError, ValueError):
                raise ValidationError(
                    _(
                        "Line %(n)d is not a public web address: enter one like https://example.org/minutes"
                    )
                    % {"n": number}
                ) from None
        return lines

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        campaign, petition = data.get("campaign"), data.get("petition")
        if campaign is not None and petition is not None and petition.campaign_id != campaign.pk:
            self.add_error("petition", _("Choose a petition of this campaign, or none"))
        return data
