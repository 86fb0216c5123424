from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .bluesky import DEFAULT_SERVICE
from .length import measure
from .models import Attachment, ChannelAccount
from .services import check_length


class BlueskyConnectForm(forms.Form):
    handle = forms.CharField(
        label=_("Handle"), max_length=253, help_text=_("For example: ourcharity.bsky.social")
    )
    app_password = forms.CharField(
        label=_("App password"),
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_(
            "Make one in Bluesky under Settings → Privacy and security → App passwords. "
            "It is stored encrypted and never shown again."
        ),
    )
    service_url = forms.URLField(
        label=_("Server (PDS)"),
        required=False,
        initial=DEFAULT_SERVICE,
        max_length=500,
        assume_scheme="https",
        help_text=_("Leave as it is unless your account lives on its own server."),
    )


class MastodonConnectForm(forms.Form):
    service_url = forms.URLField(
        label=_("Server"),
        max_length=500,
        assume_scheme="https",
        help_text=_("The address of your Mastodon server, for example https://mastodon.social"),
    )
    access_token = forms.CharField(
        label=_("Access token"),
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_(
            "In Mastodon: Preferences → Development → New application, with the scopes "
            "write:statuses and write:media. Stored encrypted and never shown again."
        ),
    )


class ScheduleForm(forms.Form):
    """One channel's variant of a story: its own text, time and attachment."""

    text = forms.CharField(
        label=_("Text"), max_length=3000, widget=forms.Textarea(attrs={"rows": 5})
    )
    scheduled_at = forms.DateTimeField(
        label=_("Goes out at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("If the story is not published by then, the post waits until it is."),
    )
    attachment = forms.ChoiceField(label=_("Attach"), choices=Attachment.choices)

    def __init__(self, *args: Any, account: ChannelAccount, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"account-{account.pk}")
        super().__init__(*args, **kwargs)
        self.account = account
        _length, limit = measure(account.network, "")
        # Read by static/syndication/counter.js; the server check below is what counts.
        self.fields["text"].widget.attrs.update(
            {"data-network": account.network, "data-limit": str(limit), "class": "counted"}
        )

    def clean_text(self) -> str:
        text: str = self.cleaned_data["text"].strip()
        try:
            check_length(self.account.network, text)  # the same check schedule_post makes
        except ValidationError as error:
            raise ValidationError(error.message_dict["text"]) from None
        return text
