"""The date range of a report: two GOV.UK date inputs (day, month, year), sent by GET."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

DEFAULT_DAYS = 28
LONGEST_DAYS = 3700  # about ten years: any campaign's life, and a bounded table by day
FIRST_YEAR = 2000


def _part(label: _StrPromise, *, width: int) -> forms.CharField:
    # Text with a numeric keyboard, as the GOV.UK date input does: type=number lets a
    # browser turn "1e3" or a scroll into a value nobody typed.
    return forms.CharField(
        label=label,
        required=False,
        max_length=4 if width == 4 else 2,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "class": f"date-part width-{width}", "size": width}
        ),
    )


class DateRangeForm(forms.Form):
    from_day = _part(_("Day"), width=2)
    from_month = _part(_("Month"), width=2)
    from_year = _part(_("Year"), width=4)
    to_day = _part(_("Day"), width=2)
    to_month = _part(_("Month"), width=2)
    to_year = _part(_("Year"), width=4)

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    @property
    def from_parts(self) -> list[forms.BoundField]:
        return [self["from_day"], self["from_month"], self["from_year"]]

    @property
    def to_parts(self) -> list[forms.BoundField]:
        return [self["to_day"], self["to_month"], self["to_year"]]

    def _date(self, prefix: str, name: str) -> date | None:
        """One date from its three parts; an error on its day field (the summary's link
        goes to the first part) for anything missing or unreal."""
        parts = [str(self.cleaned_data.get(f"{prefix}_{part}") or "").strip() for part in
                 ("day", "month", "year")]  # fmt: skip
        if not any(parts):
            return None
        missing = [label for label, value in zip(
            (_("a day"), _("a month"), _("a year")), parts, strict=True) if not value]  # fmt: skip
        if missing:
            self.add_error(
                f"{prefix}_day",
                _("The %(name)s date must include %(part)s.") % {"name": name, "part": missing[0]},
            )
            return None
        if not all(part.isascii() and part.isdigit() for part in parts) or len(parts[2]) != 4:
            self.add_error(
                f"{prefix}_day",
                _("The %(name)s date must be a real date, in numbers, like 27 3 2026.")
                % {"name": name},
            )
            return None
        day, month, year = (int(part) for part in parts)
        try:
            found = date(year, month, day)
        except ValueError:
            found = None
        if found is None or year < FIRST_YEAR:
            self.add_error(
                f"{prefix}_day",
                _("The %(name)s date must be a real date, in numbers, like 27 3 2026.")
                % {"name": name},
            )
            return None
        return found

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first = self._date("from", str(_("from")))
        last = self._date("to", str(_("to")))
        if self.errors:
            return data
        last = last or self.today
        first = first or last - timedelta(days=DEFAULT_DAYS - 1)
        if last < first:
            self.add_error("to_day", _("The to date must be the same as or after the from date."))
        elif (last - first).days >= LONGEST_DAYS:
            self.add_error("to_day", _("Choose a range of at most ten years."))
        data["first"], data["last"] = first, last
        return data


def chosen_range(form: DateRangeForm) -> tuple[date, date] | None:
    """The days a valid form chose, both included; None when it has errors."""
    if not form.is_valid():
        return None
    return form.cleaned_data["first"], form.cleaned_data["last"]
