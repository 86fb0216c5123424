"""Subject-access requests: everything held about one person, for them or for staff."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.accounts.access import require
from groundswell.accounts.models import Membership
from groundswell.actions.signals import names as signal_names
from groundswell.audit.services import record
from groundswell.events.privacy import attendances_of
from groundswell.fieldreports.privacy import reports_of
from groundswell.ideas.privacy import ideas_of
from groundswell.payments.privacy import donations_of, pledges_of
from groundswell.referrals.models import ShareToken
from groundswell.referrals.sharing import personal_link
from groundswell.volunteers.privacy import signups_of

from .access import require_own
from .export import iso
from .models import Supporter
from .search import consent_history, reach_of, supporter_signatures


def subject_access_data(supporter: Supporter) -> dict[str, Any]:
    """Everything held about one person, for a subject-access request.

    Other people stay out: a referral says that a share link brought them, not whose it was.
    """
    reach = reach_of(supporter)
    return {
        "organisation": {
            "name": supporter.organisation.name,
            "slug": supporter.organisation.slug,
        },
        "exported_at": iso(timezone.now()),
        "supporter": {
            "id": supporter.pk,
            "email": supporter.email,
            "email_key": supporter.email_key,
            "given_name": supporter.given_name,
            "family_name": supporter.family_name,
            "country": supporter.country,
            "postcode": supporter.postcode,
            "public_leaderboard": supporter.public_leaderboard,
            "created_at": iso(supporter.created_at),
            "updated_at": iso(supporter.updated_at),
            "erased_at": iso(supporter.erased_at),
        },
        "signatures": [
            {
                "id": signature.pk,
                "petition": {"id": signature.petition_id, "title": signature.petition.title},
                "state": signature.state,
                "comment": signature.comment,
                "wants_updates": signature.wants_updates,
                "consent_wording_id": signature.wording_id,
                "channel": signature.channel,
                "referred_by_a_supporter": signature.referred_by_id is not None,
                "referrer_data": {
                    key: value
                    for key, value in signature.referrer_data.items()
                    if key != "referrer"  # another supporter's share token
                },
                "created_at": iso(signature.created_at),
                "network": signature.network,  # a /24 or /64, never the address
                "email_domain": signature.email_domain,
                # A subject-access answer holds every decision about the person's data,
                # though nobody is told of an invalidation otherwise (docs/fraud.md).
                "invalidated_at": iso(signature.invalidated_at),
                "confirmed_at": iso(signature.confirmed_at),
                "confirmation_emails_sent": signature.confirmation_sends,
                "last_email_sent_at": iso(signature.last_sent_at),
                # What the worker noticed about how it was sent (actions/signals.py).
                "signals": signal_names(signature.signals),
            }
            for signature in supporter_signatures(supporter).order_by("created_at", "id")
        ],
        "consents": [
            {
                "id": consent.pk,
                "purpose": consent.purpose,
                "petition": (
                    {"id": consent.petition_id, "title": consent.petition.title}
                    if consent.petition
                    else None
                ),
                "granted": consent.granted,
                "wording": {"id": consent.wording_id, "text": consent.wording.text},
                "source_url": consent.source_url,
                "channel": consent.channel,
                "created_at": iso(consent.created_at),
                "confirmed_at": iso(consent.confirmed_at),
                "expires_at": iso(consent.expires_at),
                "withdrawn_at": iso(consent.withdrawn_at),
            }
            for consent in consent_history(supporter).order_by("created_at", "id")
        ],
        "donations": donations_of(supporter),
        "pledges": pledges_of(supporter),
        "event_rsvps": attendances_of(supporter),
        "volunteering": signups_of(supporter),
        "reports_from_the_ground": reports_of(supporter),
        # Ideas, comments, pledges towards ideas and votes (groundswell/ideas).
        "ideas": ideas_of(supporter),
        "share_tokens": [
            {
                "token": share.token,
                "petition": {"id": share.petition_id, "title": share.petition.title},
                "link": personal_link(share.petition, share.token, "copy"),
                "created_at": iso(share.created_at),
            }
            for share in ShareToken.objects.filter(supporter=supporter)
            .select_related("petition__organisation")
            .order_by("created_at", "id")
        ],
        "sharing_generated": {
            "brought_directly": reach.direct,
            "signatures_in_all": reach.downstream,
            "new_supporters": reach.new_supporters,
            "rsvps_brought": reach.rsvps,
            "volunteers_brought": reach.volunteers,
        },
    }


def export_own_data(supporter: Supporter) -> dict[str, Any]:
    """The subject-access export, downloaded by the person from their private page."""
    data = subject_access_data(supporter)
    record(
        organisation=supporter.organisation,
        actor=None,
        action="supporter.access_export",
        target=supporter,
        summary=_("Supporter #%(id)s downloaded the data held about them (self-service)")
        % {"id": supporter.pk},
    )
    return data


def export_supporter_data(membership: Membership, supporter: Supporter) -> dict[str, Any]:
    """The subject-access export, audited without naming the person."""
    require(membership, "supporters.export")
    require_own(membership, supporter)
    data = subject_access_data(supporter)
    record(
        organisation=membership.organisation,
        actor=membership.user,
        action="supporter.access_export",
        target=supporter,
        summary=_("Exported the data held about supporter #%(id)s (subject-access request)")
        % {"id": supporter.pk},
    )
    return data
