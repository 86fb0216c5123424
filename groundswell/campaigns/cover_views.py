"""Staff pages that blur or crop a region of a campaign's cover."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from groundswell.accounts.access import staff_view
from groundswell.accounts.models import Membership
from groundswell.lib.image_regions import preview_picture, region_step
from groundswell.lib.images import Box

from . import services
from .access import access_campaign
from .models import Campaign


def _with_cover(membership: Membership, campaign_id: int) -> Campaign:
    campaign = access_campaign(membership, campaign_id, for_edit=True)
    if not campaign.cover or not campaign.cover_small:
        raise Http404
    return campaign


@staff_view("content.write")
def staff_cover_region(
    request: HttpRequest, membership: Membership, campaign_id: int
) -> HttpResponse:
    """The "Blur or crop" page of a cover: a form, a preview of the result, then apply."""
    campaign = _with_cover(membership, campaign_id)
    org = membership.organisation.slug
    back = reverse("campaigns:staff_edit", args=[org, campaign.pk])

    def change(operation: str, box: Box) -> None:
        services.edit_cover(membership, campaign, operation=operation, box=box)

    preview = reverse("campaigns:staff_cover_region_preview", args=[org, campaign.pk])
    step = region_step(request, preview, change)
    if step.done:
        messages.success(request, _("Cover changed. The old picture is deleted."))
        return redirect(back)
    context = {**step.context, "campaign": campaign, "back": back}
    return render(request, "campaigns/cover_region.html", context)


@staff_view("content.write")
def staff_cover_region_preview(
    request: HttpRequest, membership: Membership, campaign_id: int
) -> HttpResponse:
    """The preview picture: the small cover as the change would leave it; not stored."""
    campaign = _with_cover(membership, campaign_id)

    return preview_picture(request, campaign.cover_small)
