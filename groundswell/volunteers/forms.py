"""The public sign-up form, and the staff's forms for a need, a shift and the day's list."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groundswell.campaigns.models import Campaign
from groundswell.lib.dateinput import DatePartsField
from groundswell.lib.forms import PersonCleaning, ReferralField

from .models import Need, Shift
from .places import Missing
from .times import when

MAX_SKILLS = 12
SKILL_LINE = re.compile(r"^(?P<name>.+?)\s*(?::\s*(?P<wanted>\d{1,5}))?$")
PHONE = re.compile(r"^\+?[0-9 ()\-]{6,30}$")
HHMM = re.compile(r"^([01]?[0-9]|2[0-3])[:.]([0-5][0-9])$")


def upcoming(need: Need) -> list[Shift]:
    """The shifts one may still sign up for: those not yet over."""
    shifts = list(need.shifts.filter(ends_at__gt=timezone.now()))
    for shift in shifts:
        shift.need = need
    return shifts


class SignupForm(PersonCleaning, forms.Form):
    shift = forms.TypedChoiceField(
        label=_("Which shift?"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a shift."),
            "invalid_choice": _("Choose one of the shifts shown."),
        },
    )
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
        help_text=_("We confirm your place here, and send the link to cancel if you must."),
        error_messages={
            "required": _("Enter your email address."),
            "max_length": _("That email address is too long."),
        },
    )
    phone = forms.CharField(
        label=_("Phone (optional)"),
        max_length=30,
        required=False,
        help_text=_("For the coordinator on the day, for example +44 7700 900123."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    skills = forms.MultipleChoiceField(
        label=_("What can you bring?"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose only from the things listed.")},
    )
    consent = forms.BooleanField(
        error_messages={"required": _("Tick the box to agree, or we cannot give you a place.")}
    )
    ref = ReferralField(limit=64)
    ch = ReferralField(limit=40)
    ws = ReferralField(limit=200)

    def label_shifts(self, missing: Missing | None) -> None:
        """The shifts to choose from, each with the places it has left when `missing` is
        given. A sign-up being sent needs no labels: the form is only drawn again on an
        error, and the page then labels it (views._page), so the POST counts nothing."""
        shift_field = self.fields["shift"]
        assert isinstance(shift_field, forms.TypedChoiceField)
        left = {row.shift.pk: row.left for row in missing.shifts} if missing else {}
        choices = []
        for shift in self.shifts:
            label = f"{when(shift)} — {shift.place}"
            if shift.pk in left:
                label += " " + (
                    str(_("(%(left)s of %(slots)s places left)"))
                    % {"left": left[shift.pk], "slots": shift.slots}
                    if left[shift.pk]
                    else str(_("(full: you join the waitlist)"))
                )
            choices.append((shift.pk, label))
        shift_field.choices = choices

    def __init__(
        self,
        *args: Any,
        need: Need,
        missing: Missing | None = None,
        shifts: list[Shift] | None = None,
        **kwargs: Any,
    ) -> None:
        """`shifts`, when given, are those a POST may choose (access.need_for_signup): the
        form is then only validated, never drawn, and asks the database nothing."""
        super().__init__(*args, **kwargs)
        self.need = need
        self.shifts = upcoming(need) if shifts is None else shifts
        skills = self.fields["skills"]
        assert isinstance(skills, forms.MultipleChoiceField)
        skills.choices = [(name, name) for name in need.skill_names]
        if not need.skills:
            del self.fields["skills"]
        if shifts is not None:
            shift_field = self.fields["shift"]
            assert isinstance(shift_field, forms.TypedChoiceField)
            shift_field.choices = [(shift.pk, "") for shift in shifts]
            return
        self.label_shifts(missing)
        self.fields["consent"].label = need.wording.text
        self.fields["given_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["family_name"].widget.attrs["autocomplete"] = "family-name"

    def clean_phone(self) -> str:
        phone = " ".join((self.cleaned_data.get("phone") or "").split())
        if phone and not PHONE.fullmatch(phone):
            raise forms.ValidationError(
                _("Enter a phone number in digits, like +44 7700 900123, or leave it empty.")
            )
        return phone


def parse_skills(text: str) -> list[dict[str, Any]]:
    """“Van: 10” per line → [{"name": "Van", "wanted": 10}]; a line without a number wants 1."""
    found: list[dict[str, Any]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        match = SKILL_LINE.fullmatch(line)
        if match is None or len(match["name"]) > 60:
            raise forms.ValidationError(
                _(
                    "Write each skill or resource on its own line, at most 60 letters, "
                    "like “Van: 10”."
                )
            )
        wanted = int(match["wanted"] or 1)
        if wanted < 1:
            raise forms.ValidationError(_("Ask for at least one of each skill or resource."))
        if any(skill["name"].lower() == match["name"].lower() for skill in found):
            raise forms.ValidationError(
                _("“%(name)s” is listed twice: write it once.") % {"name": match["name"]}
            )
        found.append({"name": match["name"], "wanted": wanted})
    if len(found) > MAX_SKILLS:
        raise forms.ValidationError(
            _("Ask for %(n)s skills or resources at most.") % {"n": MAX_SKILLS}
        )
    return found


class NeedForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_("For example: 40 people with vans on Saturday."),
        error_messages={"required": _("Enter a title.")},
    )
    description = forms.CharField(
        label=_("What will the volunteers do? (optional)"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    quantity = forms.IntegerField(
        label=_("How many people do you need in all?"),
        min_value=1,
        max_value=100000,
        error_messages={
            "required": _("Enter how many people you need."),
            "invalid": _("Enter a whole number of people, like 40."),
            "min_value": _("Ask for at least one person."),
            "max_value": _("Ask for 100,000 people at most."),
        },
    )
    skills = forms.CharField(
        label=_("Skills or resources asked for (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line, with how many, like “Van: 10” or “Hindi speaker: 2”."),
    )
    time_zone = forms.CharField(
        label=_("Time zone of the shifts"),
        max_length=64,
        initial="Europe/London",
        help_text=_("As in the time zone database, for example Europe/London or Asia/Kolkata."),
        error_messages={"required": _("Enter the time zone of the shifts.")},
    )
    campaign = forms.ModelChoiceField(
        label=_("Campaign (optional)"),
        queryset=Campaign.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Choose one of this organisation's campaigns.")},
    )

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["campaign"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Campaign.objects.filter(organisation=organisation).order_by("title")

    def clean_skills(self) -> list[dict[str, Any]]:
        return parse_skills(self.cleaned_data.get("skills") or "")

    def clean_time_zone(self) -> str:
        typed = (self.cleaned_data.get("time_zone") or "").strip()
        try:
            valid = typed in available_timezones() and bool(ZoneInfo(typed))
        except (ZoneInfoNotFoundError, ValueError):
            valid = False
        if not valid:
            raise forms.ValidationError(
                _("Enter a time zone such as Europe/London or Asia/Kolkata.")
            )
        return typed


def clock(value: str, field: str) -> time:
    match = HHMM.fullmatch(value.strip())
    if match is None:
        raise forms.ValidationError(_("Enter a time like 09:30 or 17:00."), code=field)
    return time(int(match[1]), int(match[2]))


class ShiftForm(forms.Form):
    day = DatePartsField(label=_("Day"), what=_("the day of the shift"))
    starts = forms.CharField(
        label=_("Starts at"), max_length=5, help_text=_("24-hour clock, like 09:00."),
        error_messages={"required": _("Enter when the shift starts.")},
    )  # fmt: skip
    ends = forms.CharField(
        label=_("Ends at"),
        max_length=5,
        help_text=_("If it is earlier than the start, the next day."),
        error_messages={"required": _("Enter when the shift ends.")},
    )
    place = forms.CharField(
        label=_("Place"), max_length=300, error_messages={"required": _("Enter where to meet.")}
    )
    slots = forms.IntegerField(
        label=_("How many people on this shift?"),
        min_value=1,
        max_value=10000,
        error_messages={
            "required": _("Enter how many people this shift takes."),
            "invalid": _("Enter a whole number, like 10."),
            "min_value": _("A shift takes at least one person."),
            "max_value": _("A shift takes 10,000 people at most."),
        },
    )

    def __init__(self, *args: Any, need: Need, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.need = need

    def clean_starts(self) -> time:
        return clock(self.cleaned_data["starts"], "starts")

    def clean_ends(self) -> time:
        return clock(self.cleaned_data["ends"], "ends")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, starts, ends = data.get("day"), data.get("starts"), data.get("ends")
        if isinstance(day, date) and isinstance(starts, time) and isinstance(ends, time):
            data["starts_at"], data["ends_at"] = local_span(self.need.zone, day, starts, ends)
        return data


def local_span(zone: ZoneInfo, day: date, starts: time, ends: time) -> tuple[datetime, datetime]:
    """The shift's start and end as aware times in its zone (an end before the start is
    the next day); stored in UTC, they stay right across a change of clocks."""
    start = datetime.combine(day, starts, tzinfo=zone)
    end_day = day + timedelta(days=1) if ends <= starts else day
    return start, datetime.combine(end_day, ends, tzinfo=zone)


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=[("open", "open"), ("closed", "closed")])


class DayForm(forms.Form):
    day = DatePartsField(label=_("Day"), what=_("the day"), required=False)
