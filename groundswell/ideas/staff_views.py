"""The staff's pages: challenges (list, new, edit with their ideas) and an idea's status."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from groundswell.accounts.access import require, staff_view
from groundswell.accounts.models import Membership
from groundswell.safety.forms import gate_errors, offer_override

from . import services
from .access import staff_challenge, staff_idea
from .forms import ChallengeForm, StatusForm
from .models import Challenge, Idea

LIST_LIMIT = 200


@staff_view()
def challenges(request: HttpRequest, membership: Membership) -> HttpResponse:
    found = Challenge.objects.for_organisation(membership.organisation).select_related("campaign")
    return render(request, "ideas/staff_challenges.html", {"challenges": found[:LIST_LIMIT]})


def _edit(
    request: HttpRequest, membership: Membership, challenge: Challenge | None
) -> HttpResponse:
    organisation = membership.organisation
    posted = request.method == "POST"
    form = ChallengeForm(
        request.POST if posted else None, instance=challenge, organisation=organisation
    )
    if posted:
        require(membership, "content.write")
        typed = f"{request.POST.get('question', '')}\n\n{request.POST.get('description', '')}"
        offer_override(form, typed, membership=membership)
        if form.is_valid():
            data = dict(form.cleaned_data)
            reason = data.pop("safety_reason", "") or ""
            try:
                saved = services.save_challenge(membership, challenge, data, safety_reason=reason)
            except ValidationError as error:
                form.add_error(None, gate_errors(error, form))
            else:
                messages.success(request, _("Challenge saved."))
                return redirect(
                    "ideas:staff_challenge", org=organisation.slug, challenge_id=saved.pk
                )
        if challenge is not None:
            challenge.refresh_from_db()
    ideas = (
        Idea.objects.filter(challenge=challenge)
        .select_related("moderation")
        .order_by("-confirmed_votes", "-created_at")[:LIST_LIMIT]
        if challenge
        else []
    )
    return render(
        request,
        "ideas/staff_challenge.html",
        {"form": form, "challenge": challenge, "ideas": ideas},
        status=400 if posted else 200,
    )


@staff_view("content.write")
def new_challenge(request: HttpRequest, membership: Membership) -> HttpResponse:
    return _edit(request, membership, None)


@staff_view()
def edit_challenge(request: HttpRequest, membership: Membership, challenge_id: int) -> HttpResponse:
    return _edit(request, membership, staff_challenge(membership, challenge_id))


@staff_view()
def idea(request: HttpRequest, membership: Membership, idea_id: int) -> HttpResponse:
    """An idea as staff see it (waiting or shown), with the form that sets its status."""
    found = staff_idea(membership, idea_id)
    form = StatusForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        require(membership, "content.write")
        offer_override(form, request.POST.get("reason", ""), membership=membership)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.set_status(membership, found, data["status"], data["reason"])
            except ValidationError as error:
                form.add_error(None, gate_errors(error, form))
            else:
                messages.success(request, _("Status set. Those who took part will hear of it."))
                return redirect(
                    "ideas:staff_idea", org=membership.organisation.slug, idea_id=found.pk
                )
        status = 400
    return render(
        request,
        "ideas/staff_idea.html",
        {
            "idea": found,
            "form": form,
            "history": found.status_changes.select_related("author").order_by("-created_at"),
        },
        status=status,
    )
