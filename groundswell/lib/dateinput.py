"""The GOV.UK date input: day, month and year in three boxes, with its error messages.

A browser's date picker is hard to use on a cheap phone and with a screen reader; three
numeric boxes are not. The messages say which part is missing or why the date is not real,
as the Design System's "Date input" pattern does; the page draws the field as a fieldset
(includes/field_group.html), its legend the field's label.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

PARTS = (("day", _("Day"), 2), ("month", _("Month"), 2), ("year", _("Year"), 4))


def _enter_now(what: str | Promise) -> str:
    return _("Enter %(what)s") % {"what": what}


# "Enter the date", worded in the language active when the message is shown.
_enter = lazy(_enter_now, str)


class DatePartsWidget(forms.MultiWidget):
    template_name = "lib/date_parts.html"  # an app template: the form renderer reads those
    use_fieldset = True

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        widgets: dict[str, forms.Widget | type[forms.Widget]] = {
            name: forms.TextInput(
                attrs={"inputmode": "numeric", "size": size, "maxlength": size + 2}
            )
            for name, _label, size in PARTS
        }
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, date):
            return [value.day, value.month, value.year]
        return [None, None, None]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        for subwidget, (_name, label, size) in zip(
            context["widget"]["subwidgets"], PARTS, strict=True
        ):
            subwidget["label"] = label
            subwidget["size"] = size
        return context


class DatePartsField(forms.MultiValueField):
    """A date from three boxes; `what` names it in the messages ("the date of the entry").

    Pass `what` as a lazy translation (`gettext_lazy`): fields are made when their form's
    module is imported, and every message is worded in the reader's language when shown.
    """

    widget = DatePartsWidget

    def __init__(self, *, what: str | Promise = "", **kwargs: Any) -> None:
        self._what = what or _("the date")
        # As long as the boxes take (the widget's maxlength): anything longer is no date.
        parts = tuple(forms.CharField(required=False, max_length=size + 2) for *_n, size in PARTS)
        kwargs.setdefault("error_messages", {"required": _enter(self._what)})
        super().__init__(parts, require_all_fields=False, **kwargs)

    @property
    def what(self) -> str:
        """The field's name for messages, in the active language."""
        return str(self._what)

    def compress(self, data_list: list[str]) -> date | None:
        if not data_list or not any(part.strip() for part in data_list):
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return None
        missing = [
            str(label).lower()
            for (_n, label, _s), part in zip(PARTS, data_list, strict=True)
            if not part.strip()
        ]
        if missing:
            raise ValidationError(
                _("%(what)s must include a %(part)s")
                % {
                    "what": self.what[:1].upper() + self.what[1:],
                    "part": _(" and a ").join(missing),
                },
                code="incomplete",
            )
        try:
            day, month, year = (int(part.strip()) for part in data_list)
        except ValueError:
            raise ValidationError(
                _("Enter %(what)s in numbers, for example 27 3 2026") % {"what": self.what},
                code="invalid",
            ) from None
        if year < 1000:
            raise ValidationError(
                _("The year must include 4 numbers, for example 2026"), code="invalid"
            )
        try:
            return date(year, month, day)
        except (ValueError, OverflowError):
            raise ValidationError(
                _("%(what)s must be a real date") % {"what": self.what[:1].upper() + self.what[1:]},
                code="invalid",
            ) from None
