from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordResetForm
from django.utils.translation import gettext_lazy as _

from groundswell.lib.dates import zone_names

from . import tasks
from .models import Organisation, Role
from .twofactor import normalise_code


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.EDITOR)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class OrganisationForm(forms.ModelForm[Organisation]):
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        help_text=_("Where your staff's day begins and ends, for the time log and its budget."),
        error_messages={"invalid_choice": _("Choose a time zone from the list")},
    )

    class Meta:
        model = Organisation
        fields = (
            "name",
            "summary",
            "website",
            "approval_required",
            "story_format",
            "time_zone",
            "transparency_page",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        site = _("The site's time zone (%(zone)s)") % {"zone": settings.TIME_ZONE}
        self.fields["time_zone"].choices = [  # type: ignore[attr-defined]
            ("", site),
            *((name, name) for name in zone_names()),
        ]


class NewOrganisationForm(forms.ModelForm[Organisation]):
    class Meta:
        model = Organisation
        fields = ("name", "slug", "summary", "website", "approval_required")


class SignupForm(forms.Form):
    """Create the account an invitation is for; the email comes from the invitation."""

    name = forms.CharField(label=_("Your name"), max_length=150)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput, strip=False)

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            from .models import User

            probe = User(email=self.email, name=data.get("name", ""))
            try:
                password_validation.validate_password(first, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the email goes through the task queue, not the request.

    The task gets the user's id only and makes the link when it sends, from SITE_URL: the
    queued row holds no token, and a forged Host header cannot choose where the link points.
    """

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        tasks.queue_password_reset(context["user"].pk)


NOT_A_CODE = _(
    "A code has only the digits 0 to 9 and the letters of a recovery code. Type it again "
    "as your app or your list of recovery codes shows it."
)


def _typed_code(form: forms.Form) -> str:
    """The code with any script's digits made ASCII; anything else non-ASCII is refused
    here, with a message, rather than compared."""
    code = normalise_code(form.cleaned_data["code"])
    if not code.isascii():
        raise forms.ValidationError(NOT_A_CODE, code="not_a_code")
    return code


class CodeForm(forms.Form):
    """A code from the person's authenticator app, or one of their recovery codes."""

    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_(
            "The 6-digit code your authenticator app shows now, or one of your recovery codes."
        ),
        error_messages={"required": _("Enter the code from your app or a recovery code.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        return _typed_code(self)


class SetupCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your app"),
        max_length=12,
        help_text=_("The 6 digits your app shows for this account after you added it."),
        error_messages={"required": _("Enter the 6-digit code your app shows.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_code(self) -> str:
        return _typed_code(self)


class TwoFactorRequirementForm(forms.Form):
    required = forms.BooleanField(
        label=_("Everyone on the staff must sign in with two factors"),
        required=False,
        help_text=_(
            "Members without two-factor sign-in are sent to set it up before any staff page "
            "of this organisation."
        ),
    )
