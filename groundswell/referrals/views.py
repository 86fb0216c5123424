from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from groundswell.accounts.access import staff_view
from groundswell.accounts.models import Membership
from groundswell.actions.models import Signature
from groundswell.campaigns.access import public_campaign
from groundswell.campaigns.models import Campaign
from groundswell.lib.badinput import query_id
from groundswell.supporters.access import supporter_from_page_token
from groundswell.supporters.models import Supporter
from groundswell.supporters.services import choose_leaderboard
from groundswell.supporters.views import erased_link, token_page

from . import services, sharing


@require_GET
def mastodon(request: HttpRequest) -> HttpResponse:
    """Send the reader to the share page of their own Mastodon server."""
    url = sharing.mastodon_share_url(request.GET.get("instance", ""), request.GET.get("text", ""))
    if url is None:
        return render(request, "referrals/mastodon_error.html", status=400)
    return HttpResponseRedirect(url)


@require_http_methods(["GET", "POST"])
@token_page
def impact(request: HttpRequest, token: str) -> HttpResponse:
    """A supporter's private page: what their sharing achieved. Reached from their emails."""
    supporter = supporter_from_page_token(token)
    if supporter.erased_at:
        return erased_link(request)
    if request.method == "POST":
        choose_leaderboard(supporter, show=request.POST.get("public_leaderboard") == "on")
        messages.success(request, _("Your choice is saved."))
        return redirect("referrals:impact", token=token)
    reach = services.reach_of(supporter)
    petitions = (
        Signature.objects.filter(supporter=supporter)
        .select_related("petition")
        .order_by("-created_at")
    )
    return render(
        request,
        "referrals/impact.html",
        {
            "supporter": supporter,
            "organisation": supporter.organisation,
            "reach": reach,
            "signatures": petitions,
            "token": token,
        },
    )


@staff_view()
def evangelists(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The stored ranking (refreshed by referrals.tasks): never ranked in the request."""
    organisation = membership.organisation
    campaigns = Campaign.objects.for_organisation(organisation).only("id", "title")
    chosen = request.GET.get("campaign", "")
    # Names are personal data: roles that may not read supporters see numbers.
    show_names = membership.can("supporters.read")
    stored = services.stored_ranking(
        organisation,
        campaign_id=query_id(request, "campaign"),
        supporters=Supporter.objects.filter(organisation=organisation) if show_names else None,
    )
    return render(
        request,
        "referrals/evangelists.html",
        {
            "ranking": stored.entries,
            "computed_at": stored.computed_at,
            "campaigns": campaigns,
            "campaign": chosen,
            "show_names": show_names,
        },
    )


def leaderboard(request: HttpRequest, org_slug: str, campaign_slug: str) -> HttpResponse:
    """Public, opt-in, first names only."""
    campaign = public_campaign(org_slug, campaign_slug)
    opted_in = Supporter.objects.filter(
        organisation=campaign.organisation, public_leaderboard=True, erased_at__isnull=True
    )
    top = services.stored_ranking(
        campaign.organisation, campaign_id=campaign.pk, supporters=opted_in, limit=20
    ).entries
    return render(
        request,
        "referrals/leaderboard.html",
        {"organisation": campaign.organisation, "campaign": campaign, "top": top},
    )
