from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from groundswell.accounts.access import require, staff_view
from groundswell.accounts.models import Membership
from groundswell.lib import ratelimit
from groundswell.referrals.models import ShareToken
from groundswell.referrals.sharing import share_links
from groundswell.supporters import links

from . import services
from .access import access_petition, public_petition
from .forms import PetitionForm, SignForm, UpdateForm
from .models import Petition, next_milestone

REF_COOKIE = "gs_ref"
SIGN_LIMIT = (20, 60)  # signatures per address per minute


def progress(petition: Petition) -> dict[str, Any]:
    """Counts as last computed by the recount task (a few seconds old at most)."""
    tally = getattr(petition, "tally", None)
    confirmed = tally.confirmed if tally else 0
    pending = tally.pending if tally else 0
    milestone = next_milestone(confirmed)
    target = petition.goal if confirmed < petition.goal else milestone
    return {
        "confirmed": confirmed,
        "pending": pending,
        "milestone": target,
        "percent": min(100, round(100 * confirmed / target)) if target else 0,
    }


def referral_initial(request: HttpRequest) -> dict[str, str]:
    """Carry a share token (and its channel) from the link into the form's hidden fields."""
    ref = request.GET.get("ref", "")[:64]
    channel = request.GET.get("ch", "")[:40]
    if not ref and REF_COOKIE in request.COOKIES:
        ref, _sep, channel = request.COOKIES[REF_COOKIE].partition(":")
    referer = urlsplit(request.META.get("HTTP_REFERER", ""))
    website = referer.hostname or ""
    if website and website == urlsplit(settings.SITE_URL).hostname:
        website = ""
    return {"ref": ref, "ch": channel, "ws": website}


def remember_referral(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    # A first-party convenience only: the hidden field is what carries the referral.
    if request.GET.get("ref"):
        value = f"{request.GET['ref'][:64]}:{request.GET.get('ch', '')[:40]}"
        response.set_cookie(REF_COOKIE, value, max_age=30 * 86400, samesite="Lax", httponly=True)
    return response


def petition_block(petition: Petition, form: SignForm) -> dict[str, Any]:
    return {"petition": petition, "form": form, "progress": progress(petition)}


def petition_page(request: HttpRequest, org_slug: str, petition_id: int) -> HttpResponse:
    petition = public_petition(org_slug, petition_id)
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
@require_POST
def sign(request: HttpRequest, org_slug: str, petition_id: int) -> HttpResponse:
    petition = public_petition(org_slug, petition_id)
    form = SignForm(request.POST, petition=petition)
    context = {"organisation": petition.organisation, "campaign": petition.campaign}
    if not ratelimit.hit(
        "sign", ratelimit.client_address(request), limit=SIGN_LIMIT[0], window=SIGN_LIMIT[1]
    ):
        form.is_valid()
        form.add_error(
            None,
            _(
                "Too many signatures from your connection in the last minute. "
                "Please wait a minute and try again."
            ),
        )
        return render(
            request,
            "actions/petition.html",
            {**context, **petition_block(petition, form)},
            status=429,
        )
    if form.is_valid():
        data = form.cleaned_data
        ref = data.get("ref") or ""
        channel = data.get("ch") or ""
        landing = request.META.get("HTTP_REFERER", "")[:2000]
        try:
            result = services.sign_petition(
                petition,
                services.SignatureRequest(
                    email=data["email"],
                    given_name=data["given_name"],
                    family_name=data.get("family_name", ""),
                    country=data.get("country", ""),
                    postcode=data.get("postcode", ""),
                    comment=data.get("comment", ""),
                    wants_updates=data["wants_updates"],
                    referral_token=ref,
                    referrer_data={
                        "source": channel or ("share" if ref else "web"),
                        "referrer": ref,
                        "website": data.get("ws") or "",
                        "url": landing,
                    },
                    source_url=landing,
                ),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect(
                "actions:thanks",
                org_slug=org_slug,
                petition_id=petition.pk,
                token=result.share_token.token,
            )
    return render(
        request, "actions/petition.html", {**context, **petition_block(petition, form)}, status=400
    )


def thanks(request: HttpRequest, org_slug: str, petition_id: int, token: str) -> HttpResponse:
    petition = public_petition(org_slug, petition_id)
    share = get_object_or_404(ShareToken, token=token, petition=petition)
    return render(
        request,
        "actions/thanks.html",
        {
            "organisation": petition.organisation,
            "petition": petition,
            "share": share_links(petition, share.token),
        },
    )


def confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        signature_id = links.read_confirm_token(token)
    except links.LinkError as error:
        return render(
            request, "actions/confirm_failed.html", {"expired": error.expired}, status=400
        )
    signature = services.confirm_signature(signature_id)
    if signature is None:
        return render(request, "actions/confirm_failed.html", {"expired": False}, status=404)
    petition = signature.petition
    share, _created = ShareToken.objects.get_or_create(
        supporter=signature.supporter, petition=petition
    )
    return render(
        request,
        "actions/confirmed.html",
        {
            "organisation": petition.organisation,
            "petition": petition,
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


def _edit(request: HttpRequest, membership: Membership, petition: Petition | None) -> HttpResponse:
    form = PetitionForm(
        request.POST or None, instance=petition, organisation=membership.organisation
    )
    if request.method == "POST":
        require(membership, "content.write")
        if form.is_valid():
            try:
                if petition is None:
                    petition = services.create_petition(membership, form.cleaned_data)
                    messages.success(request, _("Petition created."))
                else:
                    petition = services.update_petition(membership, petition, form.cleaned_data)
                    messages.success(request, _("Petition saved."))
            except ValidationError as error:
                form.add_error(None, error)
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
        "update_form": UpdateForm(),
        "updates": petition.updates.all() if petition else [],
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
    if form.is_valid():
        services.post_update(membership, petition, **form.cleaned_data)
        messages.success(request, _("The update is on its way to signers who asked for news."))
    else:
        messages.error(request, _("Give the update a subject and a message."))
    return redirect("actions:staff_edit", org=membership.organisation.slug, petition_id=petition.pk)
