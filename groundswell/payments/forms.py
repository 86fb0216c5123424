"""The donate form, and the staff's forms for an appeal and a provider's keys."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from groundswell.lib.dateinput import DatePartsField
from groundswell.lib.forms import PersonCleaning, ReferralField

from . import giftaid, money, providers
from .models import Appeal, Frequency, ProviderName

OTHER = "other"


def offers_gift_aid(appeal: Appeal) -> bool:
    return appeal.gift_aid and appeal.currency == "GBP"


class DonateForm(PersonCleaning, forms.Form):
    amount = forms.ChoiceField(
        label=_("How much would you like to give?"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose an amount, or “Another amount” and type it."),
            "invalid_choice": _("Choose one of the amounts shown, or “Another amount”."),
        },
    )
    other_amount = forms.CharField(label=_("Another amount"), max_length=20, required=False)
    frequency = forms.ChoiceField(
        label=_("How often?"),
        choices=Frequency.choices,
        initial=Frequency.ONCE,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose once or monthly.")},
    )
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
        help_text=_("We email your receipt here."),
        error_messages={
            "required": _("Enter your email address."),
            "max_length": _("That email address is too long."),
        },
    )
    gift_aid = forms.BooleanField(required=False)
    title = forms.CharField(
        label=_("Title (optional)"),
        max_length=4,
        required=False,
        help_text=_("For example Mr, Ms, Dr: 4 letters at most."),
    )
    house = forms.CharField(label=_("House name or number"), max_length=100, required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=10, required=False)
    ref = ReferralField(limit=64)
    ch = ReferralField(limit=40)
    ws = ReferralField(limit=200)

    def __init__(self, *args: Any, appeal: Appeal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.appeal = appeal
        currency = appeal.currency
        amount = self.fields["amount"]
        assert isinstance(amount, forms.ChoiceField)
        amount.choices = [
            (str(minor), money.display(minor, currency)) for minor in appeal.suggested
        ] + [(OTHER, _("Another amount"))]
        self.fields["other_amount"].help_text = _(
            "In %(currency)s, if you chose “Another amount”. For example, 15 or 15.50."
        ) % {"currency": currency}
        self.fields["other_amount"].widget.attrs["inputmode"] = "decimal"
        self.fields["given_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["family_name"].widget.attrs["autocomplete"] = "family-name"
        if not (appeal.monthly and providers.get(appeal.provider).monthly):
            del self.fields["frequency"]
        if not offers_gift_aid(appeal):
            for name in ("gift_aid", "title", "house", "postcode"):
                del self.fields[name]
        elif appeal.gift_aid_wording is not None:
            self.fields["gift_aid"].label = appeal.gift_aid_wording.text

    def _clean_gift_aid(self, data: dict[str, Any]) -> None:
        if not data.get("gift_aid"):
            for name in ("title", "house", "postcode"):
                data[name] = ""
            return
        if not data.get("family_name"):
            self.add_error("family_name", _("Enter your last name: HMRC needs it for Gift Aid."))
        if not (data.get("house") or "").strip():
            self.add_error("house", _("Enter your house name or number for Gift Aid."))
        typed = data.get("postcode") or ""
        postcode = giftaid.normal_postcode(typed)
        if postcode is None:
            self.add_error("postcode", _("Enter a UK postcode, like SW1A 1AA, for Gift Aid."))
        else:
            data["postcode"] = postcode
        title = (data.get("title") or "").strip()
        if title and not title.replace(".", "").isalpha():
            self.add_error("title", _("A title is letters only, like Mr or Dr."))
        data["title"] = title.replace(".", "")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if "gift_aid" in self.fields:
            self._clean_gift_aid(data)
        chosen = data.get("amount")
        if chosen is None:
            return data
        currency = self.appeal.currency
        if chosen != OTHER:
            data["minor"] = int(chosen)
            return data
        typed = data.get("other_amount", "")
        if not typed:
            self.add_error("other_amount", _("Type the amount you would like to give."))
            return data
        minor = money.parse(typed, currency)
        if minor is None:
            self.add_error("other_amount", _("Type an amount in numbers, like 15 or 15.50."))
        elif minor < money.minimum(currency):
            self.add_error(
                "other_amount",
                _("The least you can give here is %(least)s.")
                % {"least": money.display(money.minimum(currency), currency)},
            )
        elif minor > money.maximum(currency):
            self.add_error(
                "other_amount",
                _("For a gift above %(most)s, please contact us.")
                % {"most": money.display(money.maximum(currency), currency)},
            )
        else:
            data["minor"] = minor
        return data


class AppealForm(forms.Form):
    provider = forms.ChoiceField(label=_("Payment provider"), choices=ProviderName.choices)
    currency = forms.ChoiceField(
        label=_("Currency"), choices=[(code, code) for code in money.CURRENCIES]
    )
    suggested = forms.CharField(
        label=_("Suggested amounts"),
        max_length=100,
        help_text=_("Whole amounts in the currency, separated by commas: for example 5, 10, 25."),
        error_messages={"required": _("Enter at least one suggested amount.")},
    )
    monthly = forms.BooleanField(label=_("Offer a monthly gift"), required=False)
    gift_aid = forms.BooleanField(
        label=_("Offer Gift Aid (UK charities, in GBP)"),
        required=False,
        help_text=_("Donors who are UK taxpayers can tick a declaration; you claim from HMRC."),
    )
    open = forms.BooleanField(label=_("Taking donations"), required=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        currency, typed = data.get("currency"), data.get("suggested")
        if currency and typed:
            amounts = []
            for part in typed.split(","):
                minor = money.parse(part, currency)
                if minor is None or not money.minimum(currency) <= minor <= money.maximum(currency):
                    self.add_error(
                        "suggested",
                        _("“%(part)s” is not an amount between %(least)s and %(most)s.")
                        % {
                            "part": part.strip()[:20],
                            "least": money.display(money.minimum(currency), currency),
                            "most": money.display(money.maximum(currency), currency),
                        },
                    )
                    return data
                amounts.append(minor)
            if len(amounts) > 6:
                self.add_error("suggested", _("Suggest at most six amounts."))
            data["suggested"] = sorted(set(amounts))
        if data.get("gift_aid") and currency and currency != "GBP":
            self.add_error("gift_aid", _("Gift Aid is for gifts in GBP; untick this."))
        return data


class ProviderForm(forms.Form):
    provider = forms.ChoiceField(label=_("Provider"), choices=ProviderName.choices)
    key_id = forms.CharField(
        label=_("Key id (Razorpay only)"),
        max_length=100,
        required=False,
        help_text=_("Razorpay's key id, starting rzp_. Leave empty for Stripe."),
    )
    api_key = forms.CharField(
        label=_("Secret API key"),
        max_length=300,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=_("Stripe: a restricted or secret key (sk_…). Razorpay: the key secret."),
        error_messages={"required": _("Enter the secret API key.")},
    )
    webhook_secret = forms.CharField(
        label=_("Webhook signing secret"),
        max_length=300,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=_(
            "Stripe: the endpoint's signing secret (whsec_…). Razorpay: the secret you "
            "typed when adding the webhook."
        ),
        error_messages={"required": _("Enter the webhook signing secret.")},
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("provider") == ProviderName.RAZORPAY and not data.get("key_id"):
            self.add_error("key_id", _("Enter Razorpay's key id (it starts rzp_)."))
        for name in ("key_id", "api_key", "webhook_secret"):
            value = data.get(name, "")
            if value and (not value.isprintable() or not value.isascii() or " " in value):
                self.add_error(name, _("Keys are letters, digits and _ only: paste it again."))
        return data


class PledgeForm(PersonCleaning, forms.Form):
    kind = forms.ChoiceField(
        label=_("What would you like to pledge?"),
        choices=[("money", _("Money, given later")), ("time", _("My time"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose money or time.")},
    )
    amount = forms.CharField(
        label=_("How much?"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    hours = forms.IntegerField(
        label=_("How many hours?"),
        required=False,
        min_value=1,
        max_value=500,
        error_messages={
            "invalid": _("Type the hours as a whole number, like 4."),
            "min_value": _("Pledge at least one hour."),
            "max_value": _("Pledge at most 500 hours here."),
        },
    )
    what = forms.CharField(
        label=_("What can you do?"),
        max_length=300,
        required=False,
        help_text=_("For example: drive a van on Saturday, or translate leaflets."),
    )
    remind_on = DatePartsField(
        label=_("When should we remind you?"),
        help_text=_("For example, 31 1 2027. We email you that morning."),
        what=_("the date we should remind you"),
    )
    given_name = forms.CharField(
        label=_("First name"),
        max_length=100,
        error_messages={"required": _("Enter your first name.")},
    )
    email = forms.CharField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
        help_text=_("We send the reminder here, and nothing else."),
        error_messages={"required": _("Enter your email address.")},
    )

    def __init__(self, *args: Any, appeal: Appeal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.appeal = appeal
        self.fields["amount"].help_text = _("In %(currency)s, if you pledge money.") % {
            "currency": appeal.currency
        }

    def clean_remind_on(self) -> Any:
        from datetime import timedelta

        from django.utils import timezone

        day = self.cleaned_data["remind_on"]
        today = timezone.now().date()
        if day < today:
            raise forms.ValidationError(_("Choose today or a later date."))
        if day > today + timedelta(days=366):
            raise forms.ValidationError(_("Choose a date within a year."))
        return day

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        currency = self.appeal.currency
        if data.get("kind") == "money":
            minor = money.parse(data.get("amount") or "", currency)
            if minor is None or not money.minimum(currency) <= minor <= money.maximum(currency):
                self.add_error(
                    "amount",
                    _("Type an amount between %(least)s and %(most)s, like 20.")
                    % {
                        "least": money.display(money.minimum(currency), currency),
                        "most": money.display(money.maximum(currency), currency),
                    },
                )
            else:
                data["minor"] = minor
        elif data.get("kind") == "time":
            if not data.get("hours") and "hours" not in self.errors:
                self.add_error("hours", _("Type how many hours you can give."))
            if not (data.get("what") or "").strip():
                self.add_error("what", _("Say what you can do."))
        return data


class ClaimForm(forms.Form):
    first = DatePartsField(label=_("From"), what=_("the first day"))
    last = DatePartsField(label=_("To"), what=_("the last day"))
    # Sent by the button pressed; none (a link typed by hand) is the spreadsheet.
    format = forms.ChoiceField(
        choices=[("ods", _("Spreadsheet (.ods)")), ("csv", "CSV")],
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("Choose the spreadsheet or the CSV.")},
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        data["format"] = data.get("format") or "ods"
        first, last = data.get("first"), data.get("last")
        if first and last and last < first:
            self.add_error("last", _("The last day comes after the first."))
        return data
