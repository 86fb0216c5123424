"""Sign-in with throttling that slows a password guesser without locking the owner out.

Failures are counted twice, in fixed windows shared by every process (lib/ratelimit.py):

- per account *and* address (an IPv6 client's /64): after ACCOUNT_LIMIT failures, that
  address may not try that account again until the window ends. A stranger guessing alice's
  password blocks only themselves: alice, from her own address, still signs in. The key also
  holds a fingerprint of the account's current password hash, so a password reset starts
  every address's count afresh.
- per address across accounts: after ADDRESS_LIMIT failures an address trying many
  accounts (credential stuffing) is refused for any account until the window ends.

A refused attempt never reaches the password check, and gets a 429 with the time to wait.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.http import HttpResponse
from django.utils.translation import ngettext

from groundswell.lib import ratelimit

from .models import User

WINDOW = 15 * 60
ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 30


class ThrottledAuthenticationForm(AuthenticationForm):
    throttled = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Django sets the username's max_length after the field is built, so nothing checks
        # it: an address of 60,000 characters reached the lookups below, and SQLite refuses
        # a LIKE pattern that long (a 500). Checked here, it is a mistake on the field.
        username = self.fields["username"]
        limit = getattr(username, "max_length", None)
        if limit:
            username.validators.append(MaxLengthValidator(limit))

    def clean(self) -> dict[str, Any]:
        email = (self.cleaned_data.get("username") or "").strip().lower()
        if not email or not self.cleaned_data.get("password") or self.request is None:
            return super().clean()
        network = ratelimit.client_network(self.request)
        account = f"{email}|{network}|{_password_fingerprint(email)}"
        if (
            ratelimit.count("signin-account", account, window=WINDOW) >= ACCOUNT_LIMIT
            or ratelimit.count("signin-address", network, window=WINDOW) >= ADDRESS_LIMIT
        ):
            self.throttled = True
            minutes = -(-ratelimit.retry_after(WINDOW) // 60)
            raise ValidationError(
                ngettext(
                    "Too many failed sign-ins from your connection. Wait %(minutes)d minute "
                    "and try again, or reset your password.",
                    "Too many failed sign-ins from your connection. Wait %(minutes)d minutes "
                    "and try again, or reset your password.",
                    minutes,
                )
                % {"minutes": minutes},
                code="throttled",
            )
        try:
            return super().clean()
        except ValidationError as error:
            if error.code == "invalid_login":
                ratelimit.hit("signin-account", account, limit=ACCOUNT_LIMIT, window=WINDOW)
                ratelimit.hit("signin-address", network, limit=ADDRESS_LIMIT, window=WINDOW)
            raise
        finally:
            if self.user_cache is not None:
                ratelimit.clear("signin-account", account, window=WINDOW)


def _password_fingerprint(email: str) -> str:
    stored = User.objects.filter(email__iexact=email).values_list("password", flat=True).first()
    return hashlib.sha256((stored or "").encode()).hexdigest()[:12]


class SignInView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    template_name = "accounts/login.html"

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        if getattr(form, "throttled", False):
            response.status_code = 429
            response["Retry-After"] = str(ratelimit.retry_after(WINDOW))
        return response


class ThrottledAdminAuthenticationForm(ThrottledAuthenticationForm, AdminAuthenticationForm):
    """The admin's own sign-in page counts towards, and obeys, the same limits."""
