"""The one way to an appeal or a donation, for the public and for staff."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from groundswell.accounts.models import Membership

from .models import Appeal, Donation, Pledge


def public_appeal(org_slug: str, campaign_slug: str) -> Appeal:
    """An appeal taking donations, of a live campaign of an approved organisation; else 404."""
    return get_object_or_404(
        Appeal.objects.public(), organisation__slug=org_slug, campaign__slug=campaign_slug
    )


def is_gift_share_token_of(appeal: Appeal, token: str) -> bool:
    """Whether `token` is the share link of a donor to this appeal (one indexed query)."""
    if not token.isascii() or len(token) > 32:
        return False
    return Donation.objects.filter(appeal=appeal, share_token=token).exists()


def donor_donation(org_slug: str, token: str) -> Donation:
    """The donation whose page token this is: the token is the donor's proof."""
    if not token.isascii() or len(token) > 32:
        raise Http404
    return get_object_or_404(
        Donation.objects.select_related("organisation", "appeal__campaign"),
        organisation__slug=org_slug,
        token=token,
    )


def staff_appeal(membership: Membership, campaign_id: int) -> Appeal | None:
    return Appeal.objects.filter(
        organisation=membership.organisation, campaign_id=campaign_id
    ).first()


def donor_pledge(org_slug: str, token: str) -> Pledge:
    if not token.isascii() or len(token) > 32:
        raise Http404
    return get_object_or_404(
        Pledge.objects.select_related("organisation", "appeal__campaign"),
        organisation__slug=org_slug,
        token=token,
    )
