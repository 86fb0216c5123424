"""The one way to a need, a shift or a sign-up, for the public, the volunteer and staff."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from groundswell.accounts.models import Membership

from .models import Need, Signup


def public_need(org_slug: str, need_id: int) -> Need:
    """An open or closed need of an approved organisation; 404 otherwise (drafts too)."""
    return get_object_or_404(Need.objects.public(), organisation__slug=org_slug, pk=need_id)


def _token(token: str) -> None:
    if not token.isascii() or len(token) > 32:
        raise Http404


def volunteer_signup(org_slug: str, token: str) -> Signup:
    """The sign-up whose page token this is (from the volunteer's emails): the proof."""
    _token(token)
    return get_object_or_404(
        Signup.objects.select_related("shift__need__organisation"),
        organisation__slug=org_slug,
        token=token,
    )


def shared_signup(need: Need, share_token: str) -> Signup:
    """The sign-up behind a thank-you page: its share token, for this need."""
    _token(share_token)
    return get_object_or_404(Signup, need=need, share_token=share_token)


def staff_need(membership: Membership, need_id: int) -> Need:
    return get_object_or_404(
        Need.objects.select_related("organisation", "campaign", "wording"),
        organisation=membership.organisation,
        pk=need_id,
    )


def staff_signup(membership: Membership, signup_id: int) -> Signup:
    return get_object_or_404(
        Signup.objects.select_related("shift__need"),
        organisation=membership.organisation,
        pk=signup_id,
    )
