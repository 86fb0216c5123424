"""Staff forms: a feed's or site's address, a hashtag on a server, a keyword rule, and the
triage of a signal (assign, mark, note, reply).

Addresses are checked for their shape only (lib/http.check_url_shape never resolves a
name): no network inside a web request. The worker checks the addresses it connects to.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from groundswell.accounts.models import Organisation, User
from groundswell.lib.http import BlockedAddress, FetchError, check_url_shape

from .models import SignalState

HASHTAG = re.compile(r"^#?(\w{1,100})$")
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
NUL = "\x00"


def _fetchable(address: str) -> str:
    try:
        check_url_shape(address)
    except BlockedAddress:
        raise ValidationError(
            _("That address is on a private or local network, which we never fetch from."),
            code="blocked",
        ) from None
    except FetchError as error:
        if "only http and https" in str(error):
            raise ValidationError(
                _("Enter an address that starts with https:// or http://"), code="scheme"
            ) from None
        raise ValidationError(
            _("Enter a valid address, such as https://example.org/news/feed"), code="invalid"
        ) from None
    return address


class AddressForm(forms.Form):
    address = forms.URLField(
        label=_("Feed or website address"),
        max_length=500,
        assume_scheme="https",
        error_messages={"required": _("Enter the address of a feed or a website.")},
        help_text=_(
            "A feed (RSS, Atom or JSON Feed), or a website: the worker looks for the feeds "
            "the site names. For example https://example.org/news/"
        ),
    )

    def clean_address(self) -> str:
        return _fetchable(self.cleaned_data["address"].strip())


class HashtagForm(forms.Form):
    hashtag = forms.CharField(
        label=_("Hashtag"),
        max_length=101,
        error_messages={"required": _("Enter a hashtag.")},
        help_text=_(
            "Letters, numbers and underscores, with or without the #. For example #cleanair"
        ),
    )
    server = forms.URLField(
        label=_("Fediverse server"),
        max_length=200,
        assume_scheme="https",
        error_messages={"required": _("Enter the address of a fediverse server.")},
        help_text=_(
            "A Mastodon server whose public timeline we read, for example https://mastodon.social"
        ),
    )

    def clean_hashtag(self) -> str:
        found = HASHTAG.match(self.cleaned_data["hashtag"].strip())
        if not found:
            raise ValidationError(
                _("Enter a hashtag of letters, numbers and underscores only, like #cleanair"),
                code="invalid",
            )
        return found.group(1)

    def clean_server(self) -> str:
        address = _fetchable(self.cleaned_data["server"].strip())
        parts = address.split("/")
        return "/".join(parts[:3])  # the server itself, whatever path was pasted


class RuleForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        error_messages={"required": _("Enter a name for the rule.")},
    )
    phrases = forms.CharField(
        label=_("Phrases"),
        max_length=5000,
        error_messages={"required": _("Enter at least one phrase.")},
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One per line. A signal is tagged when it contains any of them as whole words "
            "(capitals do not matter). A line like #cleanair matches that hashtag."
        ),
    )
    exclusions = forms.CharField(
        label=_("Exclusions (optional)"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line. A signal containing any of them is not tagged."),
    )
    language = forms.CharField(
        label=_("Language (optional)"),
        max_length=35,
        required=False,
        help_text=_(
            "A language code such as en or pt-BR: only signals whose source says they are in "
            "that language are tagged."
        ),
    )

    def clean_phrases(self) -> str:
        lines = [line.strip() for line in self.cleaned_data["phrases"].splitlines()]
        kept = [line for line in lines if line]
        if not kept:
            raise ValidationError(_("Enter at least one phrase."), code="required")
        if any(len(line) > 200 for line in kept):
            raise ValidationError(_("Each phrase must be 200 characters or fewer."), code="long")
        return "\n".join(kept)

    def clean_exclusions(self) -> str:
        lines = [line.strip() for line in self.cleaned_data["exclusions"].splitlines()]
        return "\n".join(line for line in lines if line)

    def clean_language(self) -> str:
        language: str = self.cleaned_data["language"].strip()
        if language and not LANGUAGE.match(language):
            raise ValidationError(
                _("Enter a language code such as en, fr or pt-BR, or leave it empty."),
                code="invalid",
            )
        return language


class SpikeEmailForm(forms.Form):
    wanted = forms.BooleanField(required=False)


class AssignForm(forms.Form):
    assignee: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        queryset=User.objects.none(),  # the organisation's members, set in __init__
        required=False,
        empty_label=_("Nobody"),
        label=_("Assign to"),
        error_messages={"invalid_choice": _("Choose a member of this organisation.")},
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = User.objects.filter(
            memberships__organisation=organisation, is_active=True
        ).order_by("name", "id")
        self.fields["assignee"].queryset = members  # type: ignore[attr-defined]


class MoveForm(forms.Form):
    state = forms.ChoiceField(
        choices=SignalState.choices,
        error_messages={
            "required": _("Choose what to mark it"),
            "invalid_choice": _("Choose one of the states listed"),
        },
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note for colleagues"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Write the note"),
            "max_length": _("Keep the note under 2,000 characters"),
        },
    )

    def clean_text(self) -> str:
        text: str = self.cleaned_data["text"]
        if NUL in text:
            raise ValidationError(_("The note contains a character that cannot be stored."))
        return text.strip()


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Your reply"),
        help_text=_(
            "Public, from the organisation's fediverse account; it mentions the author. "
            "Markdown links and emphasis work."
        ),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": _("Write something to reply."),
            "max_length": _("Keep replies under 5,000 characters."),
        },
    )
    safety_reason = forms.CharField(
        label=_("Why this may go out anyway (owners and safety officers)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, can_override: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not can_override:
            del self.fields["safety_reason"]

    def clean_text(self) -> str:
        text: str = self.cleaned_data["text"]
        if NUL in text:
            raise ValidationError(_("The reply contains a character that cannot be sent."))
        if not text.strip():
            raise ValidationError(_("Write something to reply."))
        return text.strip()
