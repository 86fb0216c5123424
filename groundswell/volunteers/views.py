"""The public half of volunteering: the need's page with its form, the thank-you page with
the share step, and the volunteer's own page (from their emails) with the cancel button.

Signing up stores one row and decides nothing: the worker gives the place or the waitlist
(decide.py) and emails it, so the thank-you page promises an email, never a place.
"""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from groundswell.lib import analytics, ratelimit
from groundswell.lib.emails import normalise_email
from groundswell.lib.pagecache import public_page, rendering_for_cache
from groundswell.referrals.sharing import need_share_links

from . import places, services
from .access import need_for_signup, public_need, shared_signup, volunteer_signup
from .forms import SignupForm
from .models import Need, SignupState
from .times import when
from .workflow import CANCELLABLE

SIGNUP_RATE_PER_MINUTE = 10


def referral(request: HttpRequest) -> dict[str, str]:
    """The share link's token and channel, and the referring site, for the hidden fields."""
    if rendering_for_cache(request):
        return {"ref": "", "ch": "", "ws": ""}
    try:
        website = urlsplit(request.META.get("HTTP_REFERER", "")).hostname or ""
    except ValueError:
        website = ""
    if website == urlsplit(settings.SITE_URL).hostname:
        website = ""
    return {
        "ref": request.GET.get("ref", "")[:64],
        "ch": request.GET.get("ch", "")[:40],
        "ws": website,
    }


def _page(
    request: HttpRequest, need: Need, form: SignupForm | None, *, status: int = 200
) -> HttpResponse:
    missing = places.missing(need)
    if form is None:
        form = SignupForm(initial=referral(request), need=need, missing=missing)
    else:
        form.label_shifts(missing)
    for row in missing.shifts:
        row.shift.need = need
    return render(
        request,
        "volunteers/need.html",
        {
            "organisation": need.organisation,
            # A need may belong to a campaign not yet announced: its name stays unsaid.
            "campaign": need.campaign if need.campaign and need.campaign.is_public else None,
            "need": need,
            "form": form,
            "missing": missing,
            "shifts": [(row, when(row.shift)) for row in missing.shifts],
            "open": services.still_open(need),
        },
        status=status,
    )


@public_page(referral=referral)
def need_page(request: HttpRequest, org_slug: str, need_id: int) -> HttpResponse:
    """What the need still lacks, counted on each render: a copy is a second old at most."""
    need = public_need(org_slug, need_id)
    analytics.mark_page(request, analytics.Dims(need.organisation_id, need.campaign_id or 0))
    return _page(request, need, None)


# Like signing, volunteering needs no account and no session: a forged cross-site
# submission could at most put an address on a shift, whose owner is emailed a cancel link.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest, org_slug: str, need_id: int) -> HttpResponse:
    """The sign form's shape: one lean look-up (the need and the chosen shift), validation
    without queries, and the rate count and the INSERT under one take of the write lock.
    Only a refused sign-up loads the whole need, to draw its page again."""
    if request.method != "POST":
        return _page(request, public_need(org_slug, need_id), None)
    found = need_for_signup(org_slug, need_id, request.POST.get("shift", ""))
    if found is None:
        raise Http404
    need, shifts = found
    form = SignupForm(request.POST, need=need, shifts=shifts)
    if not services.still_open(need) or not form.is_valid():
        return _refused(request, org_slug, need_id, status=400)
    with ratelimit.one_write():
        allowed = ratelimit.hit(
            "volunteer", ratelimit.client_network(request), limit=SIGNUP_RATE_PER_MINUTE, window=60
        )
        share_token = (
            services.take_signup(need, shifts[0], _signup_request(form)) if allowed else None
        )
    if share_token is None:
        return _refused(request, org_slug, need_id, status=429)
    return HttpResponseRedirect(_thanks_url(org_slug, need.pk, share_token))


def _refused(request: HttpRequest, org_slug: str, need_id: int, *, status: int) -> HttpResponse:
    """The need's page again with the form as sent and why it was refused: the whole need
    and every shift, as a GET draws them."""
    need = public_need(org_slug, need_id)
    form = SignupForm(request.POST, need=need)
    if not services.still_open(need):
        form.add_error(None, _("This need is closed and takes no more volunteers."))
    elif form.is_valid() and status == 429:
        form.add_error(
            None, _("Too many sign-ups from your connection in the last minute. Please wait.")
        )
    return _page(request, need, form, status=status)


def _signup_request(form: SignupForm) -> services.SignupRequest:
    data = form.cleaned_data
    ref = data.get("ref") or ""
    return services.SignupRequest(
        email=data["email"],
        email_key=normalise_email(data["email"]),
        given_name=data["given_name"],
        family_name=data.get("family_name") or "",
        phone=data.get("phone") or "",
        skills=list(data.get("skills") or []),
        language=get_language() or "",
        referral_token=ref,
        referrer_data={
            "source": data.get("ch") or ("share" if ref else "web"),
            "referrer": ref,
            "website": data.get("ws") or "",
        },
    )


@functools.lru_cache(maxsize=1024)
def _thanks_prefix(org_slug: str, need_id: int) -> str:
    return reverse("volunteers:thanks", args=[org_slug, need_id, "TOKEN"]).removesuffix("TOKEN/")


def _thanks_url(org_slug: str, need_id: int, token: str) -> str:
    # Resolved once per need, as the sign form's: reverse() was a noticeable part of a POST.
    return f"{_thanks_prefix(org_slug, need_id)}{token}/"


def share_panel(need: Need, share_token: str) -> dict[str, object]:
    return need_share_links(
        need.title,
        need.get_absolute_url(),
        share_token,
        org=need.organisation.slug,
        need_id=need.pk,
    )


@require_GET
def thanks(request: HttpRequest, org_slug: str, need_id: int, token: str) -> HttpResponse:
    """The same page for a first sign-up and a repeat: it tells nothing about the address."""
    need = public_need(org_slug, need_id)
    shared_signup(need, token)
    response = render(
        request,
        "volunteers/thanks.html",
        {
            "organisation": need.organisation,
            "need": need,
            "share": share_panel(need, token),
            "share_heading": _("Ask two friends to join you"),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def signup_page(request: HttpRequest, org_slug: str, token: str) -> HttpResponse:
    """The volunteer's own page, from their emails: their place, and a button to cancel.

    GET changes nothing (mail scanners follow links); the cancel is a POST (CSRF-protected).
    """
    signup = volunteer_signup(org_slug, token)
    need = signup.shift.need
    if request.method == "POST":
        if request.POST.get("action") == "cancel":
            services.cancel_signup(signup)
        return HttpResponseRedirect(reverse("volunteers:signup", args=[org_slug, token]))
    response = render(
        request,
        "volunteers/signup.html",
        {
            "organisation": need.organisation,
            "need": need,
            "signup": signup,
            "when": when(signup.shift),
            "cancellable": signup.state in CANCELLABLE,
            "states": SignupState,
            "share": share_panel(need, signup.share_token),
            "share_heading": _("Ask two friends to join you"),
        },
    )
    response["Cache-Control"] = "no-store"
    return response
