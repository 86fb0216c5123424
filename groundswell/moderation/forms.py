from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import services
from .models import ModerationState


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it rejected?"),
        help_text=_("Kept with the item and shown in its author's history."),
        max_length=services.MAX_REASON,
        error_messages={
            "required": _("Say why it is rejected: the author's history shows it."),
            "max_length": _("Keep the reason under 300 characters."),
        },
    )


class ApproveForm(forms.Form):
    """Approving; for words the guard flagged, the reason they may be shown anyway (only
    owners and safety officers are offered it: it records a safety override)."""

    safety_reason = forms.CharField(
        label=_("Why may the flagged words be shown?"),
        help_text=_(
            "Kept with the safety override for staff to read. Do not repeat the flagged words."
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"max_length": _("Keep the reason under 2,000 characters.")},
    )
    text_hash = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)


class BulkForm(forms.Form):
    """The queue's form: the ticked items and what to do with them."""

    items = forms.TypedMultipleChoiceField(
        coerce=int,
        error_messages={
            "required": _("Tick at least one item."),
            "invalid_choice": _("Some of the ticked items are no longer in the queue."),
        },
    )
    action = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        error_messages={"required": _("Choose to approve or to reject.")},
    )
    reason = forms.CharField(required=False, max_length=services.MAX_REASON)

    def __init__(self, *args: Any, item_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = [(pk, str(pk)) for pk in item_ids]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "reject" and not (data.get("reason") or "").strip():
            self.add_error(
                "reason",
                ValidationError(_("Say why they are rejected: each author's history shows it.")),
            )
        return data


class PhraseForm(forms.Form):
    phrase = forms.CharField(
        label=_("Word or phrase"),
        help_text=_(
            "Items containing it as a whole word wait for a moderator, even when they would "
            "otherwise be shown or approved in bulk. Capitals do not matter."
        ),
        max_length=services.MAX_PHRASE,
        error_messages={
            "required": _("Enter a word or phrase to hold."),
            "max_length": _("Keep it under 100 characters."),
        },
    )


class ReportForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong with it?"),
        help_text=_(
            "For example: it names a private person, it is abusive, it is spam. "
            "Do not include your own contact details."
        ),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=services.MAX_REPORT,
        error_messages={
            "required": _("Tell us what is wrong with it."),
            "max_length": _("Keep your report under 2,000 characters."),
        },
    )

    def clean_reason(self) -> str:
        try:
            return services.check_report(self.cleaned_data["reason"])
        except ValidationError as error:
            raise ValidationError(error.messages) from None


STATE_FILTERS = [
    ("pending", _("Waiting")),
    ("reported", _("Reported")),
    (ModerationState.APPROVED.value, ModerationState.APPROVED.label),
    (ModerationState.REJECTED.value, ModerationState.REJECTED.label),
]
