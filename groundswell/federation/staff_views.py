"""Staff pages: how federation is going, and the inbox of replies, likes and boosts."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from groundswell.accounts.access import staff_view
from groundswell.accounts.models import Membership
from groundswell.lib.leases import now
from groundswell.safety.forms import offer_override
from groundswell.safety.panel import panel

from . import documents, services
from .access import access_interaction
from .forms import ReplyForm
from .models import (
    Delivery,
    DeliveryState,
    Follower,
    Following,
    InboxHealth,
    Interaction,
    InteractionKind,
)


@staff_view()
def overview(request: HttpRequest, membership: Membership) -> HttpResponse:
    organisation = membership.organisation
    deliveries = Delivery.objects.filter(activity__organisation=organisation)
    counts = {row["state"]: row["n"] for row in deliveries.values("state").annotate(n=Count("id"))}
    problems = (
        deliveries.filter(state__in=(DeliveryState.FAILED, DeliveryState.GIVEN_UP))
        .select_related("activity")
        .order_by("-next_attempt_at")[:100]
    )
    inboxes = {d.inbox for d in problems}
    paused = InboxHealth.objects.filter(inbox__in=inboxes, paused_until__gt=now())
    context = {
        "handle": f"@{organisation.slug}@{documents.site_host()}",
        "actor_uri": documents.actor_uri(organisation),
        "followers": Follower.objects.filter(organisation=organisation).count(),
        "following": Following.objects.filter(organisation=organisation).select_related("actor"),
        "counts": [(state, label, counts.get(state, 0)) for state, label in DeliveryState.choices],
        "problems": problems,
        "paused": paused,
    }
    return render(request, "federation/staff_overview.html", context)


@staff_view()
def inbox(request: HttpRequest, membership: Membership) -> HttpResponse:
    """What came home: replies (shown or not as the moderation queue decides), likes and
    boosts, and the form to answer a public reply."""
    interactions = Interaction.objects.for_organisation(membership.organisation).inbox()
    kind = request.GET.get("kind", "")
    if kind in InteractionKind.values:
        interactions = interactions.filter(kind=kind)
    context = {
        "interactions": interactions[:200],
        "kinds": InteractionKind.choices,
        "kind": kind,
        "can_reply": membership.can("fediverse.reply"),
    }
    return render(request, "federation/staff_inbox.html", context)


@require_POST
@staff_view()
def reply(request: HttpRequest, membership: Membership, interaction_id: int) -> HttpResponse:
    """Answer a reply on the organisation's behalf (deciding on it is the moderation queue's)."""
    interaction = access_interaction(membership, interaction_id, permission="fediverse.reply")
    return _reply(request, membership, interaction)


def _reply(request: HttpRequest, membership: Membership, interaction: Interaction) -> HttpResponse:
    """Send a staff reply; a reply the safety check refuses comes back with its text kept,
    the flagged passages marked and, for whoever may decide, a reason to let it out."""
    form = ReplyForm(request.POST)
    typed = request.POST.get("text", "").strip()
    offer_override(form, typed, membership=membership)
    if form.is_valid():
        try:
            services.reply(
                membership,
                interaction,
                form.cleaned_data["text"],
                safety_reason=form.cleaned_data.get("safety_reason") or "",
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your reply is on its way."))
            return redirect("federation:staff_inbox", membership.organisation.slug)
    context = {
        "form": form,
        "item": interaction,
        "safety": panel("reply", interaction, typed, membership=membership) if typed else None,
    }
    return render(request, "federation/staff_reply.html", context)
