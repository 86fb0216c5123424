from __future__ import annotations

import functools
import re
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from groundswell.accounts.access import require, staff_view
from groundswell.accounts.models import Membership
from groundswell.lib import analytics, ratelimit
from groundswell.lib.addresses import client_range
from groundswell.lib.pagecache import public_page, rendering_for_cache
from groundswell.referrals.sharing import share_links
from groundswell.safety.forms import OverrideForm, decide_override, gate_errors, offer_override
from groundswell.safety.panel import panel
from groundswell.supporters import links
from groundswell.supporters.views import erased_link, token_page

from . import intake, petitions, services, signals
from .access import access_petition, public_petition
from .forms import PetitionForm, SignForm, UpdateForm
from .limits import within_sign_rate
from .models import Petition, PetitionUpdate, SignatureState, next_milestone

REF_COOKIE = "gs_ref"
COOKIE_SAFE = re.compile(r"[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]*")


def progress(petition: Petition) -> dict[str, Any]:
    """Counts as last computed by the recount task (a few seconds old at most)."""
    tally = getattr(petition, "tally", None)
    confirmed = tally.confirmed if tally else 0
    pending = tally.pending if tally else 0
    unverified = tally.unverified if tally else 0
    milestone = next_milestone(confirmed)
    target = petition.goal if confirmed < petition.goal else milestone
    return {
        "confirmed": confirmed,
        "pending": pending,
        "unverified": unverified,  # staff pages only: not counted in public until confirmed
        "milestone": target,
        "percent": min(100, round(100 * confirmed / target)) if target else 0,
    }


def referral_initial(request: HttpRequest) -> dict[str, str]:
    """Carry a share token (and its channel) from the link into the form's hidden fields."""
    if rendering_for_cache(request):
        return {"ref": "", "ch": "", "ws": ""}
    ref = request.GET.get("ref", "")[:64]
    channel = request.GET.get("ch", "")[:40]
    if not ref and REF_COOKIE in request.COOKIES:
        ref, _sep, channel = request.COOKIES[REF_COOKIE].partition(":")
    try:
        website = urlsplit(request.META.get("HTTP_REFERER", "")).hostname or ""
    except ValueError:  # a malformed Referer header says nothing about where they came from
        website = ""
    if website and website == urlsplit(settings.SITE_URL).hostname:
        website = ""
    return {"ref": ref, "ch": channel, "ws": website}


def remember_referral(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    # A first-party convenience only: the hidden field is what carries the referral.
    if request.GET.get("ref") and not rendering_for_cache(request):
        value = f"{request.GET['ref'][:64]}:{request.GET.get('ch', '')[:40]}"
        if not COOKIE_SAFE.fullmatch(value):
            # Tokens and channels are plain ASCII words: anything else is no referral,
            # and a cookie holding it (non-Latin-1 text above all) could not even be sent.
            return response
        response.set_cookie(REF_COOKIE, value, max_age=30 * 86400, samesite="Lax", httponly=True)
    return response


def petition_block(petition: Petition, form: SignForm) -> dict[str, Any]:
    return {"petition": petition, "form": form, "progress": progress(petition)}


@public_page(referral=referral_initial, finish=remember_referral)
def petition_page(request: HttpRequest, org_slug: str, petition_id: int) -> HttpResponse:
    petition = public_petition(org_slug, petition_id)
    analytics.mark_page(
        request, analytics.Dims(petition.organisation_id, petition.campaign_id, petition.pk)
    )
    form = SignForm(initial=referral_initial(request), petition=petition)
    response = render(
        request,
        "actions/petition.html",
        {
            "organisation": petition.organisation,
            "campaign": petition.campaign,
            **petition_block(petition, form),
        },
    )
    return remember_referral(request, response)


# Signing needs no account and no session: a forged cross-site submission could at most
# start a signature that the address's owner must still confirm by email. Exempting it keeps
# the public pages free of per-visitor cookies.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest, org_slug: str, petition_id: int) -> HttpResponse:
    """The hot path of a viral spike: validate, one INSERT, redirect (see actions/intake.py).

    A failed POST answers with the form on this URL; a GET here (a reload, the back button,
    a bookmarked error page) shows the same form empty rather than "method not allowed".
    """
    if request.method != "POST":
        shown = public_petition(org_slug, petition_id)
        empty = SignForm(initial=referral_initial(request), petition=shown)
        return _sign_page(request, shown, empty, status=200)
    petition = intake.petition_for_signing(org_slug, petition_id)
    if petition is None:
        raise Http404
    form = SignForm(request.POST, petition=petition)
    signed = form.is_valid() and petition.accepting_signatures
    wanted = _signature_request(request, form) if signed else None
    # The count and the INSERT share one take of SQLite's write lock (a no-op elsewhere).
    with ratelimit.one_write():
        allowed = within_sign_rate(request)
        token = intake.take(petition, wanted) if allowed and wanted else None
    if not allowed:
        form.add_error(
            None,
            _(
                "Too many signatures from your connection in the last minute. "
                "Please wait a minute and try again."
            ),
        )
        return _sign_page(request, petition, form, status=429)
    if not petition.accepting_signatures:
        form.add_error(None, _("This petition is closed and no longer takes signatures."))
        return _sign_page(request, petition, form, status=400)
    if token is None:
        return _sign_page(request, petition, form, status=400)
    assert wanted is not None
    unverified = wanted.proof_wanted and not wanted.proof
    return HttpResponseRedirect(
        thanks_url(org_slug, petition.pk, token) + ("?unverified=1" if unverified else "")
    )


def _signature_request(request: HttpRequest, form: SignForm) -> services.SignatureRequest:
    """What the worker records; the quiet signals go in as raw facts (signals.py)."""
    data = form.cleaned_data
    ref = data.get("ref") or ""
    landing = request.META.get("HTTP_REFERER", "")[:2000]
    return services.SignatureRequest(
        email=data["email"],
        given_name=data["given_name"],
        family_name=data.get("family_name", ""),
        country=data.get("country", ""),
        postcode=data.get("postcode", ""),
        comment=data.get("comment", ""),
        wants_updates=data["wants_updates"],
        referral_token=ref,
        referrer_data={
            "source": data.get("ch") or ("share" if ref else "web"),
            "referrer": ref,
            "website": data.get("ws") or "",
            "url": landing,
        },
        source_url=landing,
        shown=data.get("shown") or "",
        honeypot=bool(data.get("website")),
        proof_wanted=form.petition.challenge,
        proof=data.get("proof_key") or "",
        network=client_range(request),
    )


@functools.lru_cache(maxsize=1024)
def _thanks_prefix(org_slug: str, petition_id: int) -> str:
    return reverse("actions:thanks", args=[org_slug, petition_id, "TOKEN"]).removesuffix("TOKEN/")


def thanks_url(org_slug: str, petition_id: int, token: str) -> str:
    # Resolved once per petition: reverse() was a noticeable part of a signature's cost.
    return f"{_thanks_prefix(org_slug, petition_id)}{token}/"


def _sign_page(
    request: HttpRequest, petition: Petition, form: SignForm, *, status: int
) -> HttpResponse:
    """The petition's form on the sign URL, with the messages and everything typed."""
    petition = public_petition(petition.organisation.slug, petition.pk)  # fresh counts
    context = {
        "organisation": petition.organisation,
        "campaign": petition.campaign,
        "sign_page": True,
        **petition_block(petition, form),
    }
    return render(request, "actions/petition.html", context, status=status)


def thanks(request: HttpRequest, org_slug: str, petition_id: int, token: str) -> HttpResponse:
    petition = public_petition(org_slug, petition_id)
    if not services.is_share_token_of(petition, token):
        raise Http404
    return render(
        request,
        "actions/thanks.html",
        {
            "organisation": petition.organisation,
            "petition": petition,
            "share": share_links(petition, token),
            "next_petitions": next_petitions(petition),
            # Sent without the check the petition asked for: counted only once confirmed.
            "unverified": request.GET.get("unverified") == "1",
        },
    )


def next_petitions(petition: Petition, *, limit: int = 4) -> list[Petition]:
    """What to do after sharing: other petitions still taking signatures, this campaign's first."""
    others = (
        Petition.objects.public()
        .filter(organisation_id=petition.organisation_id, campaign__status="live", status="open")
        .exclude(pk=petition.pk)
        .order_by("-created_at")[:20]
    )
    found = [other for other in others if other.accepting_signatures]  # deadlines
    found.sort(key=lambda other: other.campaign_id != petition.campaign_id)  # stable
    return found[:limit]


@require_http_methods(["GET", "POST"])
@token_page
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button and changes nothing (mail scanners follow links); POST confirms.

    The POST is an ordinary CSRF-protected form, so it works without JavaScript, and a
    forged cross-site submission cannot confirm for someone.
    """
    try:
        signature_id = links.read_confirm_token(token)
    except links.LinkError as error:
        return render(
            request, "actions/confirm_failed.html", {"expired": error.expired}, status=400
        )
    signature = services.signature_to_confirm(signature_id)
    if signature is None:
        return render(request, "actions/confirm_failed.html", {"expired": False}, status=404)
    if signature.supporter.erased_at:
        return erased_link(request)
    if request.method == "POST":
        services.confirm_signature(signature.pk)
        return redirect("actions:confirm", token=token)
    petition = signature.petition
    context = {"organisation": petition.organisation, "petition": petition}
    if signature.state != SignatureState.CONFIRMED:
        return render(request, "actions/confirm.html", context)
    share = services.share_token_for(signature.supporter, petition)
    return render(
        request,
        "actions/confirmed.html",
        {
            **context,
            "share": share_links(petition, share.token),
            "impact_url": links.supporter_page_url(signature.supporter_id),
        },
    )


# --- Staff ---------------------------------------------------------------------------------


@staff_view()
def staff_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    petitions = (
        Petition.objects.for_organisation(membership.organisation)
        .select_related("campaign", "tally")
        .order_by("-created_at")
    )
    rows = [(petition, progress(petition)) for petition in petitions]
    return render(request, "actions/staff_list.html", {"rows": rows})


# A new petition's page can be opened prefilled (the listening board's "Start a petition
# from it"): what the address carries is only shown in the form, never stored unsent.
PREFILLED = ("title", "ask", "campaign")


def _prefilled(request: HttpRequest) -> dict[str, str]:
    return {name: request.GET[name][:5000] for name in PREFILLED if request.GET.get(name)}


def _edit(
    request: HttpRequest,
    membership: Membership,
    petition: Petition | None,
    *,
    update_form: UpdateForm | None = None,
) -> HttpResponse:
    # The update's own POST shows this page again: it is not an edit of the petition.
    editing = request.method == "POST" and update_form is None
    form = PetitionForm(
        request.POST if editing else None,
        instance=petition,
        organisation=membership.organisation,
        initial=_prefilled(request) if petition is None else None,
    )
    if editing:
        require(membership, "content.write")
        typed = "\n\n".join(request.POST.get(name, "") for name in petitions.PETITION_TEXT)
        offer_override(form, typed, membership=membership)
        if form.is_valid():
            data = dict(form.cleaned_data)
            reason = data.pop("safety_reason", "") or ""
            try:
                if petition is None:
                    petition = petitions.create_petition(membership, data, safety_reason=reason)
                    messages.success(request, _("Petition created."))
                else:
                    petition = petitions.update_petition(
                        membership, petition, data, safety_reason=reason
                    )
                    messages.success(request, _("Petition saved."))
            except ValidationError as error:
                form.add_error(None, gate_errors(error, form))
            else:
                return redirect(
                    "actions:staff_edit", org=membership.organisation.slug, petition_id=petition.pk
                )
        if petition is not None:
            petition.refresh_from_db()
    context = {
        "form": form,
        "petition": petition,
        "progress": progress(petition) if petition else None,
        "update_form": update_form or UpdateForm(),
        "updates": petition.updates.all() if petition else [],
        "signal_counts": signals.counted(petition) if petition else [],
    }
    return render(request, "actions/staff_edit.html", context)


@staff_view()
def staff_new(request: HttpRequest, membership: Membership) -> HttpResponse:
    require(membership, "content.write")
    return _edit(request, membership, None)


@staff_view()
def staff_edit(request: HttpRequest, membership: Membership, petition_id: int) -> HttpResponse:
    return _edit(request, membership, access_petition(membership, petition_id))


@require_POST
@staff_view("content.write")
def staff_update(request: HttpRequest, membership: Membership, petition_id: int) -> HttpResponse:
    petition = access_petition(membership, petition_id, for_edit=True)
    form = UpdateForm(request.POST)
    typed = f"{request.POST.get('subject', '')}\n\n{request.POST.get('body', '')}"
    offer_override(form, typed, membership=membership)
    if form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("safety_reason", "") or ""
        try:
            petitions.post_update(membership, petition, **data, safety_reason=reason)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The update is on its way to signers who asked for news."))
            return redirect(
                "actions:staff_edit", org=membership.organisation.slug, petition_id=petition.pk
            )
    # Shown again with what was typed and why it was refused (GOV.UK summary, field errors).
    return _edit(request, membership, petition, update_form=form)


@staff_view()
def staff_update_safety(
    request: HttpRequest, membership: Membership, petition_id: int, update_id: int
) -> HttpResponse:
    """A held update's safety check, and an owner's or safety officer's decision to let it
    out: sending carries on where it stopped."""
    petition = access_petition(membership, petition_id)
    update = get_object_or_404(PetitionUpdate, pk=update_id, petition=petition)
    back = reverse("actions:staff_edit", args=[membership.organisation.slug, petition.pk])
    form, recorded = decide_override(
        request,
        membership,
        lambda reason, seen: petitions.release_update(membership, update, reason, seen_hash=seen),
    )
    if recorded:
        messages.success(request, _("Recorded: the update goes out. It is in the audit log."))
        return redirect(back)
    safety = panel("update", update, update.safety_text, membership=membership)
    if not form.is_bound:
        form = OverrideForm(initial={"text_hash": safety.text_hash})
    context = {
        "form": form,
        "safety": safety,
        "title": update.subject,
        "override_url": request.path,
        "back_url": back,
        "back_label": _("Back to the petition"),
    }
    return render(request, "safety/override.html", context)
