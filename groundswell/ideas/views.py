"""The public pages of idea challenges: read, submit, comment, vote, pledge, confirm.

Like signing, taking part needs no account and no session, so the forms are exempt from
CSRF: a forged submission could at most start something the address's owner must still
confirm by email. Confirming is an ordinary CSRF-protected POST.
"""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from groundswell.accounts.models import Organisation
from groundswell.actions.views import referral_initial
from groundswell.lib import analytics, ratelimit
from groundswell.payments import money
from groundswell.referrals.sharing import idea_share_links
from groundswell.supporters.views import erased_link, token_page

from . import intake, links, services
from .access import idea_for_vote, public_challenge, public_idea
from .forms import CommentForm, IdeaForm, PersonForm, PledgeForm, VoteForm
from .models import Challenge, Comment, Confirmation, Idea, Vote

# Ideas, comments and pledges are written by hand: a few a minute from one network is
# plenty. Votes share the sign form's limit (settings.SIGN_RATE_LIMIT_PER_MINUTE).
WRITE_RATE_PER_MINUTE = 6
TOO_MANY = "Too many from your connection in the last minute. Please wait a minute and try again."


def _person(form: PersonForm) -> services.Person:
    data = form.cleaned_data
    return services.Person(
        email=data["email"],
        given_name=data["given_name"],
        language=get_language() or "",
        wants_updates=bool(data.get("wants_updates")),
    )


def _within(request: HttpRequest, scope: str, limit: int) -> bool:
    return ratelimit.hit(scope, ratelimit.client_network(request), limit=limit, window=60)


@require_GET
def challenges(request: HttpRequest, org_slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation.objects.public(), slug=org_slug)
    found = Challenge.objects.public().for_organisation(organisation)
    return render(
        request,
        "ideas/challenges.html",
        {"organisation": organisation, "challenges": list(found[:50])},
    )


def _challenge_page(
    request: HttpRequest, challenge: Challenge, form: IdeaForm, *, status: int = 200
) -> HttpResponse:
    ideas = (
        Idea.objects.shown()
        .filter(challenge=challenge)
        .order_by("-confirmed_votes", "-created_at", "-pk")[:200]
    )
    return render(
        request,
        "ideas/challenge.html",
        {
            "organisation": challenge.organisation,
            "challenge": challenge,
            "ideas": ideas,
            "form": form,
        },
        status=status,
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def challenge(request: HttpRequest, org_slug: str, challenge_id: int) -> HttpResponse:
    """The question, the ideas shown so far (most votes first), and the form for a new one."""
    found = public_challenge(org_slug, challenge_id)
    analytics.mark_page(request, analytics.Dims(found.organisation_id, found.campaign_id or 0))
    if request.method != "POST":
        return _challenge_page(request, found, IdeaForm(challenge=found))
    form = IdeaForm(request.POST, challenge=found)
    if not found.is_open:
        form.is_valid()
        form.add_error(None, _("This challenge is not taking ideas now."))
        return _challenge_page(request, found, form, status=400)
    if not form.is_valid():
        return _challenge_page(request, found, form, status=400)
    if not _within(request, "ideas", WRITE_RATE_PER_MINUTE):
        form.add_error(None, _(TOO_MANY))
        return _challenge_page(request, found, form, status=429)
    data = form.cleaned_data
    services.submit_idea(found, _person(form), title=data["title"], body=data["body"])
    return redirect("ideas:sent", org_slug=org_slug, what="idea")


def _idea_context(idea: Idea, request: HttpRequest) -> dict[str, Any]:
    challenge = idea.challenge
    shown_comments = Comment.objects.filter(
        idea=idea, state=Confirmation.CONFIRMED, moderation__state="approved"
    ).order_by("created_at", "pk")
    return {
        "organisation": challenge.organisation,
        "challenge": challenge,
        "idea": idea,
        "comments": list(shown_comments[:500]),
        "history": list(idea.status_changes.order_by("created_at", "pk")),
        "pledged": money.display(idea.pledged_minor, challenge.currency)
        if idea.pledged_minor
        else "",
    }


def _idea_page(
    request: HttpRequest,
    idea: Idea,
    *,
    vote: VoteForm | None = None,
    comment: CommentForm | None = None,
    pledge: PledgeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    challenge = idea.challenge
    failed = vote or comment or pledge  # the form this answer is about, for the error summary
    context = _idea_context(idea, request) | {
        "vote_form": vote or VoteForm(initial=referral_initial(request), challenge=challenge,
                                      prefix="vote"),
        "comment_form": comment or CommentForm(challenge=challenge, prefix="comment"),
        "pledge_form": pledge or PledgeForm(challenge=challenge, prefix="pledge"),
        "form": failed,
    }  # fmt: skip
    return render(request, "ideas/idea.html", context, status=status)


@require_GET
def idea_page(request: HttpRequest, org_slug: str, idea_id: int) -> HttpResponse:
    idea = public_idea(org_slug, idea_id)
    analytics.mark_page(
        request, analytics.Dims(idea.organisation_id, idea.challenge.campaign_id or 0)
    )
    return _idea_page(request, idea)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def vote(request: HttpRequest, org_slug: str, idea_id: int) -> HttpResponse:
    """The hot path of a vote, the sign form's shape: one lean look-up, validation without
    queries, the rate count and the INSERT (intake.py) under one take of the write lock,
    redirect to the thanks. Only a refused vote loads the whole idea, to draw its page."""
    if request.method != "POST":
        return _idea_page(request, public_idea(org_slug, idea_id))
    found = idea_for_vote(org_slug, idea_id)
    if found is None:
        raise Http404
    form = VoteForm(request.POST, prefix="vote")
    valid = form.is_valid() and found.challenge_open
    with ratelimit.one_write():
        allowed = _within(request, "vote", settings.SIGN_RATE_LIMIT_PER_MINUTE)
        token = intake.take(found, _vote_request(request, form)) if allowed and valid else None
    if not allowed:
        form.add_error(None, _(TOO_MANY))
        return _refused_vote(request, org_slug, idea_id, form, status=429)
    if not found.challenge_open:
        form.add_error(None, _("This challenge is closed and no longer takes votes."))
        return _refused_vote(request, org_slug, idea_id, form, status=400)
    if token is None:
        return _refused_vote(request, org_slug, idea_id, form, status=400)
    return HttpResponseRedirect(_voted_url(org_slug, found.pk, token))


def _refused_vote(
    request: HttpRequest, org_slug: str, idea_id: int, form: VoteForm, *, status: int
) -> HttpResponse:
    idea = public_idea(org_slug, idea_id)
    form.describe(idea.challenge)
    return _idea_page(request, idea, vote=form, status=status)


@functools.lru_cache(maxsize=1024)
def _voted_prefix(org_slug: str, idea_id: int) -> str:
    return reverse("ideas:voted", args=[org_slug, idea_id, "TOKEN"]).removesuffix("TOKEN/")


def _voted_url(org_slug: str, idea_id: int, token: str) -> str:
    # Resolved once per idea, as the sign form's: reverse() was a noticeable part of a POST.
    return f"{_voted_prefix(org_slug, idea_id)}{token}/"


def _vote_request(request: HttpRequest, form: VoteForm) -> intake.VoteRequest:
    data = form.cleaned_data
    ref = data.get("ref") or ""
    return intake.VoteRequest(
        email=data["email"],
        given_name=data["given_name"],
        language=get_language() or "",
        wants_updates=bool(data.get("wants_updates")),
        referral_token=ref,
        referrer_data={
            "source": data.get("ch") or ("share" if ref else "web"),
            "referrer": ref,
            "website": data.get("ws") or "",
            "url": request.META.get("HTTP_REFERER", "")[:2000],
        },
    )


@require_GET
def voted(request: HttpRequest, org_slug: str, idea_id: int, token: str) -> HttpResponse:
    """Thanks, and the voter's own share link: votes it brings are credited to them."""
    idea = public_idea(org_slug, idea_id)
    if not intake.is_token_of(idea, token):
        raise Http404
    return render(
        request,
        "ideas/voted.html",
        {
            "organisation": idea.challenge.organisation,
            "idea": idea,
            "share": idea_share_links(
                idea.title,
                idea.get_absolute_url(),
                token,
                org=idea.challenge.organisation.slug,
                idea_id=idea.pk,
            ),
        },
    )


@csrf_exempt
@require_POST
def comment(request: HttpRequest, org_slug: str, idea_id: int) -> HttpResponse:
    idea = public_idea(org_slug, idea_id)
    form = CommentForm(request.POST, challenge=idea.challenge, prefix="comment")
    if not form.is_valid():
        return _idea_page(request, idea, comment=form, status=400)
    if not _within(request, "ideas", WRITE_RATE_PER_MINUTE):
        form.add_error(None, _(TOO_MANY))
        return _idea_page(request, idea, comment=form, status=429)
    services.submit_comment(idea, _person(form), body=form.cleaned_data["body"])
    return redirect("ideas:sent", org_slug=org_slug, what="comment")


@csrf_exempt
@require_POST
def pledge(request: HttpRequest, org_slug: str, idea_id: int) -> HttpResponse:
    idea = public_idea(org_slug, idea_id)
    form = PledgeForm(request.POST, challenge=idea.challenge, prefix="pledge")
    if not form.is_valid():
        return _idea_page(request, idea, pledge=form, status=400)
    if not _within(request, "ideas", WRITE_RATE_PER_MINUTE):
        form.add_error(None, _(TOO_MANY))
        return _idea_page(request, idea, pledge=form, status=429)
    data = form.cleaned_data
    services.submit_pledge(idea, _person(form), amount=data["amount"], hours=data["hours"] or 0)
    return redirect("ideas:sent", org_slug=org_slug, what="pledge")


SENT = ("idea", "comment", "pledge")


@require_GET
def sent(request: HttpRequest, org_slug: str, what: str) -> HttpResponse:
    """'Check your email': what was sent counts once its link is followed."""
    organisation = get_object_or_404(Organisation.objects.public(), slug=org_slug)
    if what not in SENT:
        raise Http404
    return render(request, "ideas/sent.html", {"organisation": organisation, "what": what})


@require_http_methods(["GET", "POST"])
@token_page
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button and changes nothing (mail scanners follow links); POST confirms."""
    try:
        kind, pk = links.read(token)
    except links.LinkError as error:
        return render(request, "ideas/confirm_failed.html", {"expired": error.expired}, status=400)
    row = services.to_confirm(kind, pk)
    if row is None:
        return render(request, "ideas/confirm_failed.html", {"expired": False}, status=404)
    if isinstance(row, Vote) and row.supporter.erased_at:
        return erased_link(request)
    if request.method == "POST":
        services.confirm(kind, pk)
        return redirect("ideas:confirm", token=token)
    challenge = services.challenge_of(row)
    idea = row if isinstance(row, Idea) else row.idea
    done = (
        row.state == "confirmed"  # Confirmation.CONFIRMED and VoteState.CONFIRMED alike
    )
    share_token = row.share_token if isinstance(row, Vote | Idea) else ""
    shown = Idea.objects.shown().filter(Q(pk=idea.pk)).exists()
    return render(
        request,
        "ideas/confirm.html",
        {
            "organisation": challenge.organisation,
            "challenge": challenge,
            "idea": idea,
            "kind": kind,
            "done": done,
            "shown": shown,
            "share": idea_share_links(
                idea.title,
                idea.get_absolute_url(),
                share_token,
                org=challenge.organisation.slug,
                idea_id=idea.pk,
            )
            if done and shown and share_token
            else None,
        },
    )
