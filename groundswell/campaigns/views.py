from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from groundswell.accounts.access import require, staff_view
from groundswell.accounts.models import Membership, Organisation
from groundswell.actions.forms import SignForm
from groundswell.actions.models import Petition
from groundswell.actions.views import petition_block, referral_initial, remember_referral
from groundswell.lib import analytics
from groundswell.lib.media import private_response
from groundswell.lib.pagecache import public_page
from groundswell.safety.forms import gate_errors, offer_override
from groundswell.stories.models import Story

from . import services
from .access import access_campaign, access_campaign_cover, public_campaign
from .forms import CampaignForm
from .models import Campaign, CampaignStatus


@staff_view()
def staff_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    campaigns = Campaign.objects.for_organisation(membership.organisation)
    status = request.GET.get("status", "")
    if status in CampaignStatus.values:
        campaigns = campaigns.filter(status=status)
    query = request.GET.get("q", "").strip()[:100]
    if query:
        campaigns = campaigns.filter(Q(title__icontains=query) | Q(summary__icontains=query))
    context = {
        "campaigns": campaigns.order_by("-updated_at"),
        "statuses": CampaignStatus.choices,
        "status": status,
        "q": query,
    }
    return render(request, "campaigns/staff_list.html", context)


def _edit(request: HttpRequest, membership: Membership, campaign: Campaign | None) -> HttpResponse:
    form = CampaignForm(
        request.POST or None,
        request.FILES or None,
        instance=campaign,
        organisation=membership.organisation,
    )
    if request.method == "POST":
        require(membership, "content.write")
        typed = "\n\n".join(request.POST.get(name, "") for name in services.TEXT_FIELDS)
        if campaign is not None and not campaign.is_public:
            # Going public takes its petitions' words out too: the reason covers them.
            typed += "".join(f"\n\n{text}" for _p, text in services.petitions_text(campaign))
        offer_override(form, typed, membership=membership)
        if form.is_valid():
            data = form.cleaned_data
            cover = data.pop("cover_upload", None)
            reason = data.pop("safety_reason", "") or ""
            try:
                if campaign is None:
                    campaign = services.create_campaign(
                        membership, data, cover=cover, safety_reason=reason
                    )
                    messages.success(request, _("Campaign created."))
                else:
                    services.update_campaign(
                        membership, campaign, data, cover=cover, safety_reason=reason
                    )
                    messages.success(request, _("Campaign saved."))
            except ValidationError as error:
                form.add_error(None, gate_errors(error, form))
            else:
                return redirect(
                    "campaigns:staff_edit",
                    org=membership.organisation.slug,
                    campaign_id=campaign.pk,
                )
        if campaign is not None:
            campaign.refresh_from_db()
    return render(request, "campaigns/staff_edit.html", {"form": form, "campaign": campaign})


@staff_view()
def staff_new(request: HttpRequest, membership: Membership) -> HttpResponse:
    require(membership, "content.write")
    return _edit(request, membership, None)


@staff_view()
def staff_edit(request: HttpRequest, membership: Membership, campaign_id: int) -> HttpResponse:
    return _edit(request, membership, access_campaign(membership, campaign_id))


@login_required
def staff_cover(request: HttpRequest, campaign_id: int, size: str) -> HttpResponseBase:
    """A campaign's cover for members of its organisation, whether or not it is public."""
    campaign = access_campaign_cover(request.user, campaign_id)
    return private_response({"large": campaign.cover, "small": campaign.cover_small}.get(size))


@staff_view()
def staff_preview(request: HttpRequest, membership: Membership, campaign_id: int) -> HttpResponse:
    campaign = access_campaign(membership, campaign_id)
    return _render_public(request, campaign, preview=True)


def _render_public(request: HttpRequest, campaign: Campaign, *, preview: bool) -> HttpResponse:
    stories = Story.objects.published().filter(campaign=campaign)[:20]
    initial = referral_initial(request)
    petitions = [
        petition_block(petition, SignForm(initial=initial, petition=petition))
        for petition in Petition.objects.public().filter(campaign=campaign)
    ]
    response = render(
        request,
        "campaigns/detail.html",
        {
            "organisation": campaign.organisation,
            "campaign": campaign,
            "stories": stories,
            "petitions": petitions,
            "preview": preview,
        },
    )
    return remember_referral(request, response)


@public_page(referral=referral_initial, finish=remember_referral)
def detail(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    get_object_or_404(Organisation, slug=org_slug)
    campaign = public_campaign(org_slug, slug)
    analytics.mark_page(request, analytics.Dims(campaign.organisation_id, campaign.pk))
    return _render_public(request, campaign, preview=False)
