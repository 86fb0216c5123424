from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Which system will use it, like “Website sign-up form”."),
        error_messages={
            "required": _("Give the token a name, like the system that will use it."),
            "max_length": _("Keep the name to 100 characters or fewer."),
        },
    )
