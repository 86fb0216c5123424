"""Staff pages that gather several apps: the organisation's dashboard."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from groundswell.accounts.access import staff_view
from groundswell.accounts.models import Membership
from groundswell.audit.models import AuditEntry
from groundswell.campaigns.models import Campaign
from groundswell.notifications.backends import outbox_enabled
from groundswell.stories.models import Story


@staff_view()
def dashboard(request: HttpRequest, membership: Membership) -> HttpResponse:
    organisation = membership.organisation
    stories = Story.objects.for_organisation(organisation)
    context = {
        "story_counts": stories.counts_by_state(),
        "awaiting": stories.awaiting_approval()[:10],
        "recent": stories.order_by("-updated_at")[:8],
        "campaigns": Campaign.objects.for_organisation(organisation).order_by("-updated_at")[:8],
        "outbox": outbox_enabled() and membership.can("members.manage"),
        "audit": (
            AuditEntry.objects.for_organisation(organisation)[:8]
            if membership.can("audit.read")
            else None
        ),
    }
    return render(request, "hub/dashboard.html", context)
