"""The date range of a report: two GOV.UK date inputs (lib/dateinput), sent by GET."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from groundswell.lib.dateinput import DatePartsField

DEFAULT_DAYS = 28
LONGEST_DAYS = 3700  # about ten years: any campaign's life, and a bounded table by day
FIRST_YEAR = 2000


class DateRangeForm(forms.Form):
    """`from` and `to`, each three boxes named from_day, from_month, from_year (and to_…).
    Either may be left empty: `to` is then today, `from` 28 days before `to`."""

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        # "from" is a Python keyword, so the fields are named here rather than declared.
        self.fields["from"] = DatePartsField(
            label=_("From"),
            what=_("the from date"),
            required=False,
            help_text=_("For example, 1 11 2026. Leave it empty for 28 days before the to date."),
        )
        self.fields["to"] = DatePartsField(
            label=_("To"),
            what=_("the to date"),
            required=False,
            help_text=_("For example, 28 11 2026. Leave it empty for today."),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        for name in ("from", "to"):
            found = data.get(name)
            if found is not None and found.year < FIRST_YEAR:
                self.add_error(
                    name,
                    _("The %(name)s date must be in %(year)d or later.")
                    % {"name": name, "year": FIRST_YEAR},
                )
        if self.errors:
            return data
        last = data.get("to") or self.today
        first = data.get("from") or last - timedelta(days=DEFAULT_DAYS - 1)
        if last < first:
            self.add_error("to", _("The to date must be the same as or after the from date."))
        elif (last - first).days >= LONGEST_DAYS:
            self.add_error("to", _("Choose a range of at most ten years."))
        data["first"], data["last"] = first, last
        return data


def chosen_range(form: DateRangeForm) -> tuple[date, date] | None:
    """The days a valid form chose, both included; None when it has errors."""
    if not form.is_valid():
        return None
    return form.cleaned_data["first"], form.cleaned_data["last"]
