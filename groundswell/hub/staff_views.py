"""Staff pages that gather several apps: the organisation's dashboard."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from groundswell.accounts.access import staff_view
from groundswell.accounts.models import Membership
from groundswell.audit.models import AuditEntry
from groundswell.campaigns.models import Campaign
from groundswell.fraud.models import Trend
from groundswell.lib import leases
from groundswell.listening.approvals import waiting_count
from groundswell.notifications.backends import outbox_enabled
from groundswell.stories.models import Story


@staff_view()
def dashboard(request: HttpRequest, membership: Membership) -> HttpResponse:
    organisation = membership.organisation
    stories = Story.objects.for_organisation(organisation)
    context = {
        "story_counts": stories.counts_by_state(),
        "awaiting": stories.awaiting_approval()[:10],
        # Fediverse replies from the triage board waiting for approval (listening/approvals.py).
        "replies_awaiting": waiting_count(organisation),
        "recent": stories.order_by("-updated_at")[:8],
        "campaigns": Campaign.objects.for_organisation(organisation).order_by("-updated_at")[:8],
        "outbox": outbox_enabled() and membership.can("members.manage"),
        # The staff area's alert: sources that trended in the last hour (docs/fraud.md).
        "trending": (
            Trend.objects.for_organisation(organisation)
            .filter(raised_at__gte=leases.now() - timedelta(hours=1))
            .count()
            if membership.can("fraud.view")
            else 0
        ),
        "audit": (
            AuditEntry.objects.for_organisation(organisation)[:8]
            if membership.can("audit.read")
            else None
        ),
    }
    return render(request, "hub/dashboard.html", context)
