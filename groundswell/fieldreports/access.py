"""The one way to a report: for staff by id within their organisation, for the public only
what is published; and the campaigns that take reports."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from groundswell.accounts.models import Membership, Organisation
from groundswell.campaigns.models import Campaign, CampaignStatus

from .models import FieldReport


def access_report(membership: Membership, report_id: int) -> FieldReport:
    """A report of the member's organisation; 404 for any other organisation's."""
    return get_object_or_404(
        FieldReport.objects.select_related("campaign", "moderation", "organisation"),
        pk=report_id,
        organisation=membership.organisation,
    )


def reporting_campaign(org_slug: str, campaign_slug: str) -> Campaign:
    """A live campaign of an approved organisation: reports are taken while it runs."""
    return get_object_or_404(
        Campaign.objects.public(),
        organisation__slug=org_slug,
        slug=campaign_slug,
        status=CampaignStatus.LIVE,
    )


def public_organisation(org_slug: str) -> Organisation:
    return get_object_or_404(Organisation.objects.public(), slug=org_slug)


def published_report(org_slug: str, report_id: int) -> FieldReport:
    return get_object_or_404(
        FieldReport.objects.published(), organisation__slug=org_slug, pk=report_id
    )
