from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from groundswell.campaigns.models import Campaign
from groundswell.lib.dateinput import DatePartsField

from .models import DAY_MINUTES, Activity

# Where the work was done: the analytics registry's channel names, so that hours and
# outcomes meet per channel (impact.py). "" is several channels, or none in particular.
CHANNELS = [
    ("", _("Several, or none in particular")),
    ("site", _("Our own site")),
    ("fediverse", _("Fediverse (our own account here)")),
    ("mastodon", _("Mastodon (an account elsewhere)")),
    ("bluesky", _("Bluesky")),
    ("email", _("Email")),
    ("feed", _("Feeds")),
    ("whatsapp", _("WhatsApp")),
    ("telegram", _("Telegram")),
    ("facebook", _("Facebook")),
    ("x", _("X")),
    ("linkedin", _("LinkedIn")),
]


def minutes_field(label: Any, help_text: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        min_value=1,
        max_value=DAY_MINUTES,
        # GOV.UK: a text box that opens the number keypad, not type=number (which spins and
        # drops what it cannot read).
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "class": "short", "spellcheck": "false"}
        ),
        error_messages={
            "required": _("Enter the number of minutes"),
            "invalid": _("Enter the minutes as a whole number, like 45"),
            "min_value": _("Enter at least 1 minute"),
            "max_value": _("Enter 1,440 minutes (a whole day) or fewer"),
        },
    )


class WorkForm(forms.Form):
    """What the timer, or an entry, is about."""

    activity = forms.ChoiceField(
        label=_("What are you doing?"),
        choices=Activity.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what you are doing")},
    )
    campaign = forms.ModelChoiceField(
        label=_("Campaign (optional)"),
        queryset=Campaign.objects.none(),
        required=False,
        empty_label=_("No particular campaign"),
        error_messages={"invalid_choice": _("Choose one of your organisation's campaigns")},
    )
    channel = forms.ChoiceField(
        label=_("Channel (optional)"),
        choices=CHANNELS,
        required=False,
        error_messages={"invalid_choice": _("Choose one of the channels listed")},
    )

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        campaigns = Campaign.objects.for_organisation(organisation).order_by("title")
        self.fields["campaign"].queryset = campaigns  # type: ignore[attr-defined]


class EntryForm(WorkForm):
    date = DatePartsField(
        label=_("When did you do it?"),
        what=_("the date"),
        help_text=_("For example, 27 3 2026"),
    )
    minutes = minutes_field(_("How many minutes?"), _("For example, 45. An hour and a half is 90."))
    field_order = ("date", "minutes", "activity", "campaign", "channel")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["activity"].label = _("What did you do?")
        self.fields["activity"].error_messages["required"] = _("Choose what you did")


class BudgetForm(forms.Form):
    minutes = minutes_field(
        _("Minutes a day for social media work"),
        _(
            "You will see a gentle warning at 80 % of it and again when you reach it. "
            "For example, 90 for an hour and a half."
        ),
    )
