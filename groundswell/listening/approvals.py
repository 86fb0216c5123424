"""Telling those who may approve that fediverse replies wait for them.

Where an organisation requires approval, a reply written by someone who may not approve
waits (`ReplyState.AWAITING`) until someone who may lets it out (`services.approve_reply`).
The periodic `tell_approvers` emails them; never the request that wrote the reply.

Batched and throttled per organisation: a reply is told of once it has waited GATHER (so
replies written together arrive in one email), and an organisation gets at most one such
email per THROTTLE (the replies written meanwhile wait for the next). Each email lists
every reply not yet told of, with a link to its signal's page, where the Approve button is.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import ngettext

from groundswell.accounts.models import Membership, Organisation
from groundswell.notifications.services import queue_email

from .models import SignalReply

GATHER = timedelta(minutes=2)
THROTTLE = timedelta(minutes=15)
# Replies listed in one email; the rest are on the board's "Replies to approve" list.
LISTED = 20


def approvers(organisation: Organisation) -> list[Membership]:
    """The members who may approve its replies now (as `approve_reply` checks), signed-up
    people whose account is active."""
    members = Membership.objects.filter(
        organisation=organisation, user__is_active=True
    ).select_related("user", "organisation")
    return [member for member in members if member.can("content.approve")]


def _due(moment: datetime) -> list[int]:
    """Organisations with a reply that has waited GATHER untold, and no email in THROTTLE."""
    ready = set(
        SignalReply.objects.awaiting()
        .filter(approvers_told_at__isnull=True, created_at__lte=moment - GATHER)
        .values_list("signal__organisation_id", flat=True)
    )
    if not ready:
        return []
    recent = set(
        SignalReply.objects.filter(
            approvers_told_at__gt=moment - THROTTLE, signal__organisation_id__in=ready
        ).values_list("signal__organisation_id", flat=True)
    )
    return sorted(ready - recent)


def tell_approvers(moment: datetime) -> int:
    """Queue the emails due now; how many were queued."""
    return sum(_tell(organisation_id, moment) for organisation_id in _due(moment))


def _tell(organisation_id: int, moment: datetime) -> int:
    organisation = Organisation.objects.get(pk=organisation_id)
    with transaction.atomic():
        waiting = list(
            SignalReply.objects.awaiting()
            .filter(approvers_told_at__isnull=True, signal__organisation=organisation)
            .select_related("signal", "written_by")
            .order_by("created_at", "id")
        )
        people = approvers(organisation)
        if not waiting or not people:
            # Nobody to tell (no active approver for now): they stay untold, for the next
            # approver the organisation has.
            return 0
        # Marked in the transaction that queues the emails (the database task backend
        # commits them together): a run that dies here leaves them to be told next time.
        SignalReply.objects.filter(
            pk__in=[answer.pk for answer in waiting], approvers_told_at__isnull=True
        ).update(approvers_told_at=moment)
        slug = organisation.slug
        listed = [
            (answer, settings.SITE_URL + reverse("listening:signal", args=[slug, answer.signal_id]))
            for answer in waiting[:LISTED]
        ]
        context = {
            "organisation": organisation,
            "listed": listed,
            "more": len(waiting) - len(listed),
            "total": len(waiting),
            "board": settings.SITE_URL
            + reverse("listening:signals", args=[slug])
            + "?show=approval",
        }
        body = render_to_string("listening/email/approval.txt", context)
        subject = ngettext(
            "A fediverse reply waits for your approval at %(org)s",
            "%(n)s fediverse replies wait for your approval at %(org)s",
            len(waiting),
        ) % {"n": len(waiting), "org": organisation.name}
        for member in people:
            queue_email(to=member.user.email, subject=subject, body=body)
    return len(people)


def waiting_count(organisation: Organisation) -> int:
    return SignalReply.objects.awaiting().filter(signal__organisation=organisation).count()
