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

With two-factor sign-in on, the right password does not sign in: the session only notes
whose code it waits for (for PENDING_AGE seconds), and `login()` happens once a code is
accepted on the second page. Wrong codes are throttled like wrong passwords
(twofactor.wait_before_guessing).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from groundswell.lib import ratelimit

from . import devices, twofactor
from .forms import CodeForm
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


PENDING = "twofactor_pending"
PENDING_AGE = 10 * 60


def ask_for_code(request: HttpRequest, user: User, backend: str, onward: str) -> HttpResponse:
    """Send the person to the code step, which signs them in and goes on to `onward`."""
    request.session[PENDING] = {
        "user": user.pk,
        "backend": backend,
        "at": twofactor.clock(),
        "next": onward,
    }
    return redirect("accounts:signin_code")


class SignInView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    template_name = "accounts/login.html"

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if twofactor.is_on(user):
            # A fresh key: whoever knew the session before the password was typed must not
            # share in what the code step grants.
            self.request.session.cycle_key()
            return ask_for_code(self.request, user, user.backend, self.get_success_url())
        response = super().form_valid(form)
        devices.note_sign_in(self.request, user, response)
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        """A refused sign-in is a 400 (the form again, with the error summary); a throttled
        one stays a 429 with the time to wait. A wrong password and an unknown address get
        the same answer, as Django words it."""
        response = super().form_invalid(form)
        if getattr(form, "throttled", False):
            response.status_code = 429
            response["Retry-After"] = str(ratelimit.retry_after(WINDOW))
        else:
            response.status_code = 400
        return response


def _pending_user(request: HttpRequest) -> User | None:
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or twofactor.clock() - pending.get("at", 0) > PENDING_AGE:
        return None
    user_id = pending.get("user")
    if not isinstance(user_id, int):
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()


def signin_code(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the app, or a recovery code."""
    user = _pending_user(request)
    if user is None:
        # A page, not a redirect to sign in: nothing here is behind a sign-in. A code sent
        # here is refused (400): there is no sign-in for it to finish.
        request.session.pop(PENDING, None)
        status = 400 if request.method == "POST" else 200
        return render(request, "accounts/signin_code_expired.html", status=status)
    # Bound on every POST: one without the field (or not a form at all) is refused with
    # its errors, never shown as the blank page.
    form = CodeForm(request.POST if request.method == "POST" else None)
    # Whatever a POST gets back here is a refusal: a right code redirects.
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        wait = twofactor.wait_before_guessing(request, user)
        if wait:
            form.add_error(None, twofactor.too_many_guesses_message(wait))
            status = 429
        elif twofactor.use_code(user, form.cleaned_data["code"]):
            twofactor.forget_wrong_guesses(request, user)
            pending = request.session.pop(PENDING)
            login(request, user, backend=pending["backend"])
            request.session[twofactor.VERIFIED] = True
            onward = redirect(pending.get("next") or resolve_url(settings.LOGIN_REDIRECT_URL))
            devices.note_sign_in(request, user, onward)
            return onward
        else:
            twofactor.count_wrong_guess(request, user)
            form.add_error("code", twofactor.WRONG_CODE)
    response = render(request, "accounts/signin_code.html", {"form": form}, status=status)
    if status == 429:
        response["Retry-After"] = str(twofactor.wait_before_guessing(request, user))
    return response


class ThrottledAdminAuthenticationForm(ThrottledAuthenticationForm, AdminAuthenticationForm):
    """The admin's own sign-in page counts towards, and obeys, the same limits.

    It has no code step: an account with two-factor sign-in signs in on the staff page.
    """

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if twofactor.is_on(user):
            raise ValidationError(
                _(
                    "This account signs in with two factors: sign in on the staff sign-in "
                    "page first, then open the admin."
                ),
                code="two_factor",
            )
