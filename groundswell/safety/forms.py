from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from .guard import scan
from .services import REASON_MAX

if TYPE_CHECKING:
    from django.http import HttpRequest

    from groundswell.accounts.models import Membership

REASON_HELP = _(
    "Say why naming or showing this is right here (for example: the person agreed in "
    "writing). It is kept in the audit log with your name."
)


class OverrideForm(forms.Form):
    """An owner's or safety officer's decision to let flagged text out."""

    reason = forms.CharField(
        label=_("Why may this go out although it was flagged?"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=REASON_HELP,
    )
    # The text the person read: if it changes before they submit, nothing is recorded.
    text_hash = forms.CharField(widget=forms.HiddenInput, max_length=64)


def decide_override(
    request: HttpRequest, membership: Membership, release: Callable[[str, str], object]
) -> tuple[OverrideForm, bool]:
    """The override form of a safety page, and whether the decision was recorded.

    On a POST from someone who may let flagged text out, `release(reason, seen_hash)` records
    it (the page's own verb: a story's override, a held post's or update's release); what it
    refuses (a blank reason, text changed since it was read) comes back as the form's error.
    """
    from groundswell.accounts.access import require

    form = OverrideForm(request.POST or None)
    if request.method != "POST":
        return form, False
    require(membership, "safety.override")
    if form.is_valid():
        try:
            release(form.cleaned_data["reason"], form.cleaned_data["text_hash"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return form, True
    return form, False


def reason_field() -> forms.CharField:
    return forms.CharField(
        label=_("If the safety check flags this: why may it go out anyway?"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=REASON_HELP,
    )


def offer_override(form: forms.BaseForm, text: str, *, membership: Membership) -> None:
    """Give `form` an optional `safety_reason` when `text` is flagged and the member may let
    flagged text out: they can decide in the same step, and nothing typed is lost."""
    if membership.can("safety.override") and scan(text, organisation=membership.organisation):
        form.fields["safety_reason"] = reason_field()


def gate_errors(error: ValidationError, form: forms.BaseForm) -> ValidationError:
    """The gate's refusal as `form` can show it: the override's complaints about its
    `reason` belong on the form's `safety_reason` when it has one, else on the whole form."""
    if not hasattr(error, "error_dict") or "reason" not in error.error_dict:
        return error
    messages = error.message_dict
    reason = messages.pop("reason")
    if "safety_reason" in form.fields:
        messages["safety_reason"] = reason
    else:
        messages.setdefault(NON_FIELD_ERRORS, []).extend(reason)
    return ValidationError(messages)


class PublicFigureForm(forms.Form):
    """A name the guard leaves alone for this organisation, and why."""

    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        help_text=_(
            "As it is written in your posts, for example “Helen Marsh”. Titles such as "
            "Councillor or Dr are not needed. Add a Devanagari spelling as its own entry. "
            "A single word (“Kumar”) is left alone only where it stands as the whole name, "
            "never inside another name such as “Ramesh Kumar”."
        ),
    )
    note = forms.CharField(
        label=_("Why they are a public figure (optional)"),
        max_length=500,
        required=False,
        help_text=_("For example: “Leader of the city council since 2024”."),
    )

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not any(character.isalpha() for character in name):
            raise forms.ValidationError(_("Enter a name with at least one letter."))
        return name
