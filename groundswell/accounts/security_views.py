"""A person's own sign-in security: two-factor sign-in, their sessions; and an
organisation's rule that its staff use two factors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from groundswell.lib.badinput import posted_id

from . import devices, services, twofactor
from .access import staff_view
from .forms import CodeForm, SetupCodeForm, TwoFactorRequirementForm
from .models import Membership, User
from .security_models import StaffSession


def _me(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # behind login_required
    return user


def _next(request: HttpRequest) -> str:
    """Where to go on after set-up, when a staff page sent the person here."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return ""


@login_required
def security(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    key = request.session.session_key
    if key and not StaffSession.objects.filter(session_key=key).exists():
        # Signed in before sessions were listed (or by another path): list this one now,
        # so that it can be told apart from the others.
        StaffSession.objects.create(
            user=user,
            session_key=key,
            device=devices.describe_agent(request.headers.get("User-Agent", "")),
            network=devices.rough_network(request),
        )
    context = {
        "two_factor_on": twofactor.is_on(user),
        "recovery_left": twofactor.unused_recovery_codes(user),
        "sessions": devices.live_sessions(user),
        "current_key": key,
    }
    return render(request, "accounts/security/overview.html", context)


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    try:
        factor = twofactor.begin_setup(user)
    except ValidationError as error:
        messages.info(request, " ".join(error.messages))
        return redirect("accounts:security")
    form = SetupCodeForm(request.POST if request.method == "POST" else None)
    # A POST that ends on this page was refused (a right code shows the recovery codes).
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        wait = twofactor.wait_before_guessing(request, user)
        if wait:
            form.add_error(None, twofactor.too_many_guesses_message(wait))
            status = 429
        else:
            try:
                codes = twofactor.confirm_setup(user, form.cleaned_data["code"])
            except ValidationError as error:
                twofactor.count_wrong_guess(request, user)
                form.add_error("code", error)
            else:
                twofactor.forget_wrong_guesses(request, user)
                devices.keep_only_this_session(request, user)
                request.session[twofactor.VERIFIED] = True
                # Shown in this answer only: the codes are kept nowhere in the clear.
                shown = {"codes": codes, "next": _next(request)}
                return render(request, "accounts/security/recovery_codes.html", shown)
    uri = twofactor.provisioning_uri(factor)
    context = {
        "form": form,
        "secret": twofactor.secret_of(factor),
        "uri": uri,
        "qr": mark_safe(twofactor.qr_svg(uri)),  # noqa: S308 - segno's SVG of our own link
        "next": _next(request),
    }
    return render(request, "accounts/security/setup.html", context, status=status)


@login_required
def two_factor_off(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    if not twofactor.is_on(user):
        return redirect("accounts:security")
    form = CodeForm(request.POST if request.method == "POST" else None)
    status = 400 if request.method == "POST" else 200  # a right code redirects
    if request.method == "POST" and form.is_valid():
        wait = twofactor.wait_before_guessing(request, user)
        if wait:
            form.add_error(None, twofactor.too_many_guesses_message(wait))
            status = 429
        else:
            try:
                twofactor.turn_off(user, form.cleaned_data["code"])
            except ValidationError as error:
                twofactor.count_wrong_guess(request, user)
                form.add_error("code", error)
            else:
                messages.success(request, _("Two-factor sign-in is off."))
                return redirect("accounts:security")
    return render(request, "accounts/security/off.html", {"form": form}, status=status)


@require_POST
@login_required
def session_end(request: HttpRequest) -> HttpResponse:
    # The session's number comes in the form, not the address: one page for all of them.
    session_id = posted_id(request, "session")
    if session_id is not None and devices.end_session(request, _me(request), session_id):
        messages.success(request, _("That session is signed out."))
    else:
        messages.info(request, _("That session had already ended."))
    return redirect("accounts:security")


@require_POST
@login_required
def sessions_end_others(request: HttpRequest) -> HttpResponse:
    devices.end_other_sessions(request, _me(request))
    messages.success(request, _("Every other session is signed out."))
    return redirect("accounts:security")


@require_POST
@staff_view("organisation.edit")
def two_factor_requirement(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = TwoFactorRequirementForm(request.POST)
    if form.is_valid():
        try:
            changed = services.require_two_factor(membership, form.cleaned_data["required"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if changed:
                messages.success(request, _("Two-factor sign-in setting saved."))
    return redirect("accounts:settings", org=membership.organisation.slug)
