from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from groundswell.lib.retention import ANONYMISE, Kind


class ScheduleForm(forms.Form):
    """One whole number of days per kind, within the kind's own bounds."""

    def __init__(self, *args: Any, kinds: list[Kind], initial_days: dict[str, int], **kw: Any):
        super().__init__(*args, **kw)
        self.kinds = kinds
        for kind in kinds:
            does = _("anonymised") if kind.does == ANONYMISE else _("deleted")
            self.fields[kind.name] = forms.IntegerField(
                label=_("%(kind)s: days kept before they are %(does)s")
                % {"kind": kind.label, "does": does},
                help_text=_("%(covers)s Between %(min)d and %(max)d days; %(default)d if unsure.")
                % {
                    "covers": kind.covers,
                    "min": kind.min_days,
                    "max": kind.max_days,
                    "default": kind.default_days,
                },
                initial=initial_days[kind.name],
                min_value=kind.min_days,
                max_value=kind.max_days,
                error_messages={
                    "required": _("Enter how many days to keep %(kind)s.")
                    % {"kind": str(kind.label).lower()},
                    "invalid": _("Enter the number of days as a whole number, like %(n)d.")
                    % {"n": kind.default_days},
                    "min_value": _("Keep %(kind)s for at least %(days)d days.")
                    % {"kind": str(kind.label).lower(), "days": kind.min_days},
                    "max_value": _("Keep %(kind)s for at most %(days)d days.")
                    % {"kind": str(kind.label).lower(), "days": kind.max_days},
                },
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )

    def days(self) -> dict[str, int]:
        return {kind.name: int(self.cleaned_data[kind.name]) for kind in self.kinds}
