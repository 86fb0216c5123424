from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from groundswell.accounts.access import require, staff_view
from groundswell.accounts.models import Membership

from . import approvals, services, spikes, tasks, triage, websub
from .access import access_monitor, access_rule, access_spike
from .forms import AddressForm, HashtagForm, RuleForm, SpikeEmailForm
from .models import (
    KeywordRule,
    Monitor,
    MutedSource,
    ReplyState,
    Signal,
    SignalReply,
    SignalState,
    Spike,
    SpikeSubscription,
)

PAGE = 50


def _shows(waiting: int = 0) -> list[tuple[str, str]]:
    approval = _("Replies to approve")
    return [
        ("open", _("Waiting")),
        ("mine", _("Mine")),
        *((state.value, str(state.label)) for state in SignalState),
        ("approval", f"{approval} ({waiting})" if waiting else approval),
        ("failed", _("Replies not sent")),
        ("all", _("All")),
    ]


@staff_view()
def signals(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The triage board: what still needs someone unless asked for another state."""
    shows = _shows(approvals.waiting_count(membership.organisation))
    show = request.GET.get("show", "open")
    if show not in dict(shows):
        return render(
            request,
            "listening/bad_show.html",
            {"shows": shows},
            status=400,
        )
    heard = Signal.objects.for_organisation(membership.organisation).annotate(
        near=Count("duplicates")
    )
    if show not in ("approval", "failed"):
        # Our replies are listed wherever they were written, a near-duplicate's too.
        heard = heard.filter(duplicate_of=None)
    if show == "open":
        heard = heard.filter(state__in=triage.OPEN)
    elif show == "mine":
        heard = heard.filter(assignee=membership.user).exclude(state=SignalState.DONE)
    elif show in ("approval", "failed"):
        # A subquery, not a join: a join would multiply the duplicates' count per reply.
        state = ReplyState.AWAITING if show == "approval" else ReplyState.FAILED
        heard = heard.filter(pk__in=SignalReply.objects.filter(state=state).values("signal_id"))
    elif show != "all":
        heard = heard.filter(state=show)
    page = Paginator(heard, PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "show": show,
        "shows": shows,
        "can_reply": membership.can("fediverse.reply"),
    }
    return render(request, "listening/signals.html", context)


@staff_view()
def monitors(request: HttpRequest, membership: Membership) -> HttpResponse:
    address_form = AddressForm(prefix="feed")
    hashtag_form = HashtagForm(prefix="tag")
    form: AddressForm | HashtagForm | None = None
    if request.method == "POST":
        require(membership, "content.write")
        if request.POST.get("kind") == "hashtag":
            form = hashtag_form = HashtagForm(request.POST, prefix="tag")
        else:
            form = address_form = AddressForm(request.POST, prefix="feed")
        if form.is_valid():
            try:
                if isinstance(form, HashtagForm):
                    monitor = services.add_hashtag(membership, **form.cleaned_data)
                else:
                    monitor = services.add_feed(membership, form.cleaned_data["address"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("Listening to %(address)s. The worker reads it in a moment.")
                    % {"address": monitor.address},
                )
                return redirect("listening:monitors", org=membership.organisation.slug)
    context = {
        "monitors": Monitor.objects.for_organisation(membership.organisation),
        "muted": MutedSource.objects.filter(organisation=membership.organisation),
        "can_triage": membership.can("listening.triage"),
        "address_form": address_form,
        "hashtag_form": hashtag_form,
        "form": form,
        "can_manage": membership.can("content.write"),
    }
    status = 400 if form is not None and form.errors else 200
    return render(request, "listening/monitors.html", context, status=status)


@require_POST
@staff_view("content.write")
def pause(request: HttpRequest, membership: Membership, monitor_id: int) -> HttpResponse:
    monitor = access_monitor(membership, monitor_id, for_edit=True)
    services.pause(membership, monitor)
    messages.success(request, _("Paused %(address)s.") % {"address": monitor.address})
    return redirect("listening:monitors", org=membership.organisation.slug)


@require_POST
@staff_view("content.write")
def resume(request: HttpRequest, membership: Membership, monitor_id: int) -> HttpResponse:
    monitor = access_monitor(membership, monitor_id, for_edit=True)
    services.resume(membership, monitor)
    messages.success(request, _("Listening to %(address)s again.") % {"address": monitor.address})
    return redirect("listening:monitors", org=membership.organisation.slug)


@staff_view()
def rules(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = RuleForm()
    if request.method == "POST":
        require(membership, "content.write")
        form = RuleForm(request.POST)
        if form.is_valid():
            rule = services.add_rule(membership, **form.cleaned_data)
            messages.success(request, _("Added the rule %(name)s.") % {"name": rule.name})
            return redirect("listening:rules", org=membership.organisation.slug)
    context = {
        "rules": KeywordRule.objects.filter(organisation=membership.organisation),
        "form": form,
        "can_manage": membership.can("content.write"),
    }
    return render(request, "listening/rules.html", context, status=400 if form.errors else 200)


def _set_rule(
    request: HttpRequest, membership: Membership, rule_id: int, active: bool
) -> HttpResponse:
    rule = access_rule(membership, rule_id, for_edit=True)
    services.set_rule_active(membership, rule, active)
    return redirect("listening:rules", org=membership.organisation.slug)


@require_POST
@staff_view("content.write")
def rule_pause(request: HttpRequest, membership: Membership, rule_id: int) -> HttpResponse:
    return _set_rule(request, membership, rule_id, False)


@require_POST
@staff_view("content.write")
def rule_resume(request: HttpRequest, membership: Membership, rule_id: int) -> HttpResponse:
    return _set_rule(request, membership, rule_id, True)


@staff_view()
def spikes_page(request: HttpRequest, membership: Membership) -> HttpResponse:
    organisation = membership.organisation
    context = {
        "spikes": Spike.objects.for_organisation(organisation)[:200],
        "subscribed": SpikeSubscription.objects.filter(membership=membership).exists(),
        "window_hours": int(spikes.WINDOW / timedelta(hours=1)),
        "throttle_hours": int(spikes.THROTTLE / timedelta(hours=1)),
    }
    return render(request, "listening/spikes.html", context)


@staff_view()
def spike(request: HttpRequest, membership: Membership, spike_id: int) -> HttpResponse:
    found = access_spike(membership, spike_id)
    context = {"spike": found, "signals": spikes.signals_of(found)}
    return render(request, "listening/spike.html", context)


@require_POST
@staff_view()
def spike_email(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = SpikeEmailForm(request.POST)
    wanted = form.is_valid() and form.cleaned_data["wanted"]
    services.choose_spike_email(membership, wanted=wanted)
    if wanted:
        messages.success(request, _("We will email you when a rule or a campaign spikes."))
    else:
        messages.success(request, _("We will not email you about spikes."))
    return redirect("listening:spikes", org=membership.organisation.slug)


def _plain(text: str, status: int) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def websub_callback(request: HttpRequest, token: str) -> HttpResponse:
    """A hub checks our intent (GET) or delivers an update (POST). Never fetches anything:
    a delivery is checked, stored and parsed later by the worker."""
    try:
        if request.method == "GET":
            query = {key: request.GET.get(key, "") for key in request.GET}
            return _plain(websub.verify_intent(token, query), 200)
        length = request.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > websub.MAX_BODY:
            return _plain("the body is larger than allowed", 413)
        delivery = websub.receive(
            token,
            request.body,
            request.headers.get("X-Hub-Signature", ""),
            request.headers.get("Content-Type", ""),
        )
        tasks.queue_websub_delivery(delivery.pk)
        return _plain("accepted", 202)
    except websub.Refusal as refusal:
        return _plain(refusal.message, refusal.status)
