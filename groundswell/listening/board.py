"""The triage board's pages: the signal page (assign, mark, note, mute, and the ways to
answer it: reply, draft a story, start a petition, log the time) and the reply page.

Every write is a POST to its own URL that calls one verb of services.py; a refused one
shows the signal page again with the GOV.UK error summary and a 400. No JavaScript."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from groundswell.accounts.access import staff_view
from groundswell.accounts.models import Membership
from groundswell.safety.services import Flagged

from . import replies, services
from .access import access_muted, access_reply, access_signal
from .forms import AssignForm, MoveForm, NoteForm, ReplyForm
from .models import MutedSource, ReplyState, Signal, SignalState


def _moves(signal: Signal) -> list[tuple[str, str]]:
    from .triage import MOVES

    labels = {state.value: str(state.label) for state in SignalState}
    if signal.state in (SignalState.DONE, SignalState.IGNORED):
        labels[SignalState.NEW] = _("Open it again")
    return [(state.value, labels[state]) for state in SignalState if state in MOVES[signal.state]]


def _petition_link(membership: Membership, signal: Signal) -> str:
    who = signal.author_name or signal.author_handle
    ask = " ".join(signal.words.split())[:600]
    query = {"title": (signal.title or "")[:200], "ask": ask}
    if signal.campaign_id is not None:
        query["campaign"] = str(signal.campaign_id)
    if who:
        query["ask"] = _("%(words)s\n\n(Heard from %(who)s.)") % {"words": ask, "who": who}
    base = reverse("actions:staff_new", args=[membership.organisation.slug])
    return f"{base}?{urlencode(query)}"


def _time_link(membership: Membership, signal: Signal, activity: str) -> str:
    query = {"activity": activity}
    if signal.campaign_id is not None:
        query["campaign"] = str(signal.campaign_id)
    base = reverse("timelog:entry_new", args=[membership.organisation.slug])
    return f"{base}?{urlencode(query)}"


def _page(
    request: HttpRequest,
    membership: Membership,
    signal: Signal,
    *,
    failed: Form | None = None,
    status: int = 200,
) -> HttpResponse:
    organisation = membership.organisation
    assign_form = (
        failed
        if isinstance(failed, AssignForm)
        else AssignForm(organisation=organisation, initial={"assignee": signal.assignee_id})
    )
    context: dict[str, Any] = {
        "signal": signal,
        "form": failed,
        "assign_form": assign_form,
        "note_form": failed if isinstance(failed, NoteForm) else NoteForm(),
        "moves": _moves(signal),
        "notes": signal.notes.select_related("author"),
        "replies": signal.replies.select_related("written_by", "approved_by"),
        "muted": MutedSource.objects.filter(
            organisation=organisation, key=signal.source_key
        ).first(),
        "can_triage": membership.can("listening.triage"),
        "can_reply": membership.can("fediverse.reply") and signal.repliable,
        "can_write": membership.can("content.write"),
        "can_approve": membership.can("content.approve"),
        "can_retry": membership.can("fediverse.reply"),
        "failed": ReplyState.FAILED,
        "petition_link": _petition_link(membership, signal),
        "time_link": _time_link(membership, signal, "listening"),
        "awaiting": ReplyState.AWAITING,
    }
    return render(request, "listening/signal.html", context, status=status)


def _carrier() -> Form:
    """An empty, valid form to carry a refusal's message into the error summary."""
    form = Form({})
    form.is_valid()
    return form


def _back(membership: Membership, signal: Signal) -> HttpResponse:
    return redirect("listening:signal", org=membership.organisation.slug, signal_id=signal.pk)


@staff_view()
def signal(request: HttpRequest, membership: Membership, signal_id: int) -> HttpResponse:
    return _page(request, membership, access_signal(membership, signal_id))


def _refused(
    request: HttpRequest, membership: Membership, signal: Signal, form: Form, error: Any
) -> HttpResponse:
    form.add_error(None, error)
    return _page(request, membership, signal, failed=form, status=400)


@require_POST
@staff_view("listening.triage")
def assign(request: HttpRequest, membership: Membership, signal_id: int) -> HttpResponse:
    found = access_signal(membership, signal_id)
    form = AssignForm(request.POST, organisation=membership.organisation)
    if not form.is_valid():
        return _page(request, membership, found, failed=form, status=400)
    assignee = form.cleaned_data["assignee"]
    try:
        services.assign(membership, found, assignee)
    except ValidationError as error:
        return _refused(request, membership, found, form, error)
    if assignee is None:
        messages.success(request, _("Nobody is answering this signal now."))
    else:
        messages.success(request, _("Assigned to %(name)s.") % {"name": assignee.name})
    return _back(membership, found)


@require_POST
@staff_view("listening.triage")
def move(request: HttpRequest, membership: Membership, signal_id: int) -> HttpResponse:
    found = access_signal(membership, signal_id)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _page(request, membership, found, failed=form, status=400)
    try:
        services.move(membership, found, form.cleaned_data["state"])
    except ValidationError as error:
        return _refused(request, membership, found, form, error)
    label = SignalState(form.cleaned_data["state"]).label
    messages.success(request, _("Marked %(state)s.") % {"state": str(label).lower()})
    return _back(membership, found)


@require_POST
@staff_view("listening.triage")
def note(request: HttpRequest, membership: Membership, signal_id: int) -> HttpResponse:
    found = access_signal(membership, signal_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _page(request, membership, found, failed=form, status=400)
    services.add_note(membership, found, form.cleaned_data["text"])
    messages.success(request, _("Note added."))
    return _back(membership, found)


@require_POST
@staff_view("listening.triage")
def mute(request: HttpRequest, membership: Membership, signal_id: int) -> HttpResponse:
    found = access_signal(membership, signal_id)
    try:
        muted = services.mute(membership, found)
    except ValidationError as error:
        return _refused(request, membership, found, _carrier(), error)
    messages.success(
        request,
        _("Muted %(label)s: what they say arrives ignored.") % {"label": muted.label},
    )
    return _back(membership, found)


@require_POST
@staff_view("listening.triage")
def unmute(request: HttpRequest, membership: Membership, muted_id: int) -> HttpResponse:
    muted = access_muted(membership, muted_id)
    services.unmute(membership, muted)
    messages.success(request, _("Listening to %(label)s again.") % {"label": muted.label})
    return redirect("listening:monitors", org=membership.organisation.slug)


@staff_view("fediverse.reply")
def reply(request: HttpRequest, membership: Membership, signal_id: int) -> HttpResponse:
    found = access_signal(membership, signal_id)
    can_override = membership.can("safety.override")
    form = ReplyForm(request.POST if request.method == "POST" else None, can_override=can_override)
    if request.method == "POST" and form.is_valid():
        try:
            answer = services.reply(
                membership,
                found,
                form.cleaned_data["text"],
                safety_reason=form.cleaned_data.get("safety_reason", ""),
            )
        except Flagged as flagged:
            form.add_error("text", flagged.messages)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if answer.state == ReplyState.AWAITING:
                messages.success(request, _("Your reply waits for an owner's approval."))
            else:
                messages.success(request, _("Your reply is on its way."))
            return _back(membership, found)
    context = {
        "signal": found,
        "form": form,
        "time_link": _time_link(membership, found, "replying"),
        "approval": membership.organisation.approval_required
        and not membership.can("content.approve"),
    }
    return render(request, "listening/reply.html", context, status=400 if form.errors else 200)


@require_POST
@staff_view("content.approve")
def approve_reply(request: HttpRequest, membership: Membership, reply_id: int) -> HttpResponse:
    answer = access_reply(membership, reply_id)
    found = access_signal(membership, answer.signal_id)
    try:
        services.approve_reply(membership, answer)
    except ValidationError as error:
        return _refused(request, membership, found, _carrier(), error)
    messages.success(request, _("Approved: the reply is on its way."))
    return _back(membership, found)


@require_POST
@staff_view("fediverse.reply")
def retry_reply(request: HttpRequest, membership: Membership, failed_reply_id: int) -> HttpResponse:
    answer = access_reply(membership, failed_reply_id)
    found = access_signal(membership, answer.signal_id)
    try:
        replies.retry_reply(membership, answer)
    except ValidationError as error:
        return _refused(request, membership, found, _carrier(), error)
    messages.success(request, _("The reply is queued again: it goes out in a minute or so."))
    return _back(membership, found)


@require_POST
@staff_view("content.write")
def story(request: HttpRequest, membership: Membership, signal_id: int) -> HttpResponse:
    found = access_signal(membership, signal_id)
    try:
        drafted = services.draft_story(membership, found)
    except ValidationError as error:
        return _refused(request, membership, found, _carrier(), error)
    messages.success(request, _("A draft story quotes it: finish it here."))
    return redirect("stories:staff_edit", org=membership.organisation.slug, story_id=drafted.pk)
