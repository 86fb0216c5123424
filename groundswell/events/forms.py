"""The RSVP form (public, no account) and the staff's event form."""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, datetime, time, timedelta
from functools import cache
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from groundswell.lib.dateinput import DatePartsField
from groundswell.lib.forms import PersonCleaning, ReferralField

from .models import Event, EventKind

TIME = re.compile(r"^\s*(\d{1,2})[:.h](\d{2})\s*$")


class RsvpForm(PersonCleaning, forms.Form):
    given_name = forms.CharField(
        label=_("First name"),
        max_length=100,
        error_messages={"required": _("Enter your first name.")},
    )
    family_name = forms.CharField(label=_("Last name (optional)"), max_length=100, required=False)
    email = forms.CharField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
        help_text=_("We confirm your place here, and send a reminder the day before."),
        error_messages={
            "required": _("Enter your email address."),
            "max_length": _("That email address is too long."),
        },
    )
    wants_updates = forms.BooleanField(label=_("Keep me updated"), required=False)
    ref = ReferralField(limit=64)
    ch = ReferralField(limit=40)
    ws = ReferralField(limit=200)

    def __init__(self, *args: Any, event: Event | None = None, **kwargs: Any) -> None:
        """`event` words the form for drawing; a POST validates without it (no query)."""
        super().__init__(*args, **kwargs)
        self.fields["given_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["family_name"].widget.attrs["autocomplete"] = "family-name"
        if event is not None:
            self.describe(event)

    def describe(self, event: Event) -> None:
        """The words that depend on the event: what "keep me updated" agrees to."""
        self.fields["wants_updates"].help_text = event.updates_wording.text


@cache
def zone_choices() -> list[tuple[str, str]]:
    names = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})
    return [(name, name.replace("_", " ")) for name in names if "/" in name or name == "UTC"]


def _clock(value: str, what: str) -> time:
    match = TIME.match(value or "")
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise forms.ValidationError(
            _("Enter %(what)s as hours and minutes on a 24-hour clock, for example 18:30")
            % {"what": what}
        )
    return time(int(match[1]), int(match[2]))


class EventForm(forms.ModelForm[Event]):
    day = DatePartsField(label=_("Day"), what=_("the day of the event"))
    start_time = forms.CharField(
        label=_("Starts at"), max_length=10, help_text=_("24-hour clock, for example 18:30")
    )
    end_time = forms.CharField(
        label=_("Ends at"),
        max_length=10,
        help_text=_("24-hour clock. Earlier than the start means the next day."),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        help_text=_("The times are in this zone; people see them in it, named."),
        error_messages={"invalid_choice": _("Choose a time zone from the list.")},
    )

    class Meta:
        model = Event
        fields = ("campaign", "title", "description", "kind", "venue", "online_url", "capacity")
        widgets = {  # noqa: RUF012 - Django's own Meta option
            "kind": forms.RadioSelect
        }
        error_messages = {  # noqa: RUF012 - Django's own Meta option
            "title": {"required": _("Enter the event's title.")},
            "description": {"required": _("Say what happens at the event.")},
            "campaign": {"required": _("Choose the campaign this event belongs to.")},
        }

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        campaign = self.fields["campaign"]
        assert isinstance(campaign, forms.ModelChoiceField)
        campaign.queryset = organisation.campaigns.order_by("title")
        self.fields["time_zone"].choices = zone_choices()  # type: ignore[attr-defined]
        event = self.instance
        if event.pk:
            start, end = event.local_start, event.local_end
            self.initial.update(
                day=start.date(),
                start_time=start.strftime("%H:%M"),
                end_time=end.strftime("%H:%M"),
                time_zone=event.time_zone,
            )
        else:
            self.initial.setdefault("time_zone", "Europe/London")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind == EventKind.PHYSICAL and not (data.get("venue") or "").strip():
            self.add_error("venue", _("Enter the address of the place, or choose online."))
        if kind == EventKind.ONLINE and not data.get("online_url"):
            self.add_error("online_url", _("Enter the link people join by, or choose a place."))
        try:
            starts = _clock(data.get("start_time", ""), str(_("the start")))
        except forms.ValidationError as error:
            self.add_error("start_time", error)
            starts = None
        try:
            ends = _clock(data.get("end_time", ""), str(_("the end")))
        except forms.ValidationError as error:
            self.add_error("end_time", error)
            ends = None
        day, zone = data.get("day"), data.get("time_zone")
        if day and zone and starts and ends:
            tz = zoneinfo.ZoneInfo(zone)
            start = datetime.combine(day, starts, tzinfo=tz)
            end = datetime.combine(day, ends, tzinfo=tz)
            if end <= start:
                end += timedelta(days=1)  # an evening that goes on past midnight
            # Wall-clock arithmetic, then to UTC: a time that a clock change skips or
            # repeats is read as the zone's rules say (fold=0).
            data["starts_at"] = start.astimezone(UTC)
            data["ends_at"] = end.astimezone(UTC)
        return data


class CheckInForm(forms.Form):
    attendance = forms.IntegerField(widget=forms.HiddenInput)
    arrived = forms.BooleanField(required=False, widget=forms.HiddenInput)
