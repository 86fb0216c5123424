"""The public's forms (idea, comment, vote, pledge) and the staff's (challenge, status)."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from groundswell.campaigns.models import Campaign
from groundswell.lib.forms import PersonCleaning, ReferralField
from groundswell.payments import money

from .models import Challenge, IdeaStatus

MAX_HOURS = 500


class PersonForm(PersonCleaning, forms.Form):
    """Who the person is: an email to confirm, a first name, and whether to hear more."""

    given_name = forms.CharField(
        label=_("First name"),
        max_length=100,
        error_messages={
            "required": _("Enter your first name."),
            "max_length": _("Keep your first name to 100 characters."),
        },
    )
    email = forms.CharField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
        help_text=_("We email you a link to confirm: it counts once you follow it."),
        error_messages={
            "required": _("Enter your email address."),
            "max_length": _("An email address is at most 254 characters."),
        },
    )
    wants_updates = forms.BooleanField(required=False)

    def __init__(self, *args: Any, challenge: Challenge | None = None, **kw: Any) -> None:
        """`challenge` words the form for drawing; a vote's POST validates without it."""
        super().__init__(*args, **kw)
        if challenge is not None:
            self.describe(challenge)

    def describe(self, challenge: Challenge) -> None:
        """The words that depend on the challenge: what "email me" agrees to."""
        self.fields["wants_updates"].label = challenge.updates_wording.text


class IdeaForm(PersonForm):
    title = forms.CharField(
        label=_("Your idea in a line"),
        max_length=150,
        error_messages={
            "required": _("Say your idea in a line."),
            "max_length": _("Keep the line to 150 characters; say more below."),
        },
    )
    body = forms.CharField(
        label=_("Tell us more"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": _("Tell us a little more about your idea."),
            "max_length": _("Keep it to 5,000 characters."),
        },
    )
    field_order = ("title", "body", "given_name", "email", "wants_updates")


class CommentForm(PersonForm):
    body = forms.CharField(
        label=_("Your comment"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": _("Write your comment."),
            "max_length": _("Keep your comment to 2,000 characters."),
        },
    )
    field_order = ("body", "given_name", "email", "wants_updates")


class VoteForm(PersonForm):
    ref = ReferralField(limit=64)
    ch = ReferralField(limit=40)
    ws = ReferralField(limit=253)


class PledgeForm(PersonForm):
    amount = forms.CharField(
        label=_("Money, if this happens"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    hours = forms.IntegerField(
        label=_("Hours of your time, if this happens"),
        required=False,
        min_value=0,
        max_value=MAX_HOURS,
        # GOV.UK: a short text box that opens the number keypad, not type=number, which
        # spins, is drawn tiny on phones and drops what it cannot read ("2 hours").
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "class": "short", "spellcheck": "false"}
        ),
        error_messages={
            "invalid": _("Type the hours as a whole number, like 2."),
            "min_value": _("Hours cannot be fewer than none."),
            "max_value": _("Pledge at most 500 hours here."),
        },
    )
    field_order = ("amount", "hours", "given_name", "email", "wants_updates")

    def __init__(self, *args: Any, challenge: Challenge, **kw: Any) -> None:
        super().__init__(*args, challenge=challenge, **kw)
        self.currency = challenge.currency
        self.fields["amount"].help_text = _("In %(currency)s, for example 10.") % {
            "currency": challenge.currency
        }

    def clean_amount(self) -> int:
        typed = (self.cleaned_data.get("amount") or "").strip()
        if not typed:
            return 0
        currency = self.currency
        minor = money.parse(typed, currency)
        if minor is None or minor < 0:
            raise forms.ValidationError(_("Type an amount as a number, like 10 or 12.50."))
        if minor > money.maximum(currency):
            raise forms.ValidationError(
                _("Pledge at most %(most)s here.")
                % {"most": money.display(money.maximum(currency), currency)}
            )
        return minor

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "amount" in data and "hours" in data and not data["amount"] and not data["hours"]:
            self.add_error("amount", _("Pledge an amount, some hours, or both."))
        return data


class ChallengeForm(forms.ModelForm[Challenge]):
    updates_text = forms.CharField(
        label=_("Wording of the 'email me' box"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )

    class Meta:
        model = Challenge
        fields = ("campaign", "question", "description", "opens_at", "closes_at", "currency")
        widgets: ClassVar[dict[str, forms.Widget]] = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "opens_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "closes_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "currency": forms.Select(choices=[(code, code) for code in money.CURRENCIES]),
        }

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        campaign = self.fields["campaign"]
        campaign.queryset = Campaign.objects.for_organisation(organisation)  # type: ignore[attr-defined]
        campaign.required = False
        if self.instance.pk:
            self.fields["updates_text"].initial = self.instance.updates_wording.text
        else:
            from .services import DEFAULT_UPDATES

            self.fields["updates_text"].initial = DEFAULT_UPDATES

    def clean_currency(self) -> str:
        currency: str = self.cleaned_data["currency"]
        if currency not in money.CURRENCIES:
            raise forms.ValidationError(_("Choose one of the currencies."))
        return currency


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[c for c in IdeaStatus.choices if c[0] != IdeaStatus.NEW],
        error_messages={
            "required": _("Choose a status."),
            "invalid_choice": _("Choose one of the statuses."),
        },
    )
    reason = forms.CharField(
        label=_("Why (shown to the public and emailed to those who took part)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Say why, in words the public will read."),
            "max_length": _("Keep the reason to 1,000 characters."),
        },
    )
