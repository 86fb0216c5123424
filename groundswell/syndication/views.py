from __future__ import annotations

from datetime import date, datetime, time, timedelta
from itertools import groupby
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from groundswell.accounts.access import require, staff_view
from groundswell.accounts.models import Membership
from groundswell.lib.badinput import bad_request
from groundswell.lib.dates import week_start
from groundswell.safety.forms import OverrideForm, decide_override, offer_override
from groundswell.safety.panel import panel
from groundswell.stories.access import access_story

from . import services
from .access import access_account, access_post
from .forms import BlueskyConnectForm, MastodonConnectForm, ScheduleForm
from .models import ChannelAccount, LocalPost, Network, ScheduledPost
from .workflow import AccountState, PostState


def _current(membership: Membership) -> list[ChannelAccount]:
    return list(ChannelAccount.objects.current().filter(organisation=membership.organisation))


def _usable(membership: Membership) -> list[ChannelAccount]:
    return list(ChannelAccount.objects.usable().filter(organisation=membership.organisation))


def _checking(request: HttpRequest, account: ChannelAccount) -> None:
    server = urlsplit(account.service_url).hostname or account.service_url
    messages.success(
        request,
        _("We are checking the account with %(server)s; this page shows the result in a moment.")
        % {"server": server},
    )


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


@staff_view()
def accounts(request: HttpRequest, membership: Membership) -> HttpResponse:
    failed = ChannelAccount.objects.current().filter(
        organisation=membership.organisation, network=Network.BLUESKY, state=AccountState.FAILED
    )
    # Trying again after a failed check: the handle and server are there, only the app
    # password has to be entered again.
    initial: dict[str, Any] = dict(failed.values("handle", "service_url").first() or {})
    bluesky_form = BlueskyConnectForm(prefix="bluesky", initial=initial)
    mastodon_form = MastodonConnectForm(prefix="mastodon")
    if request.method == "POST":
        require(membership, "organisation.edit")
        network = request.POST.get("network")
        try:
            if network == "bluesky":
                bluesky_form = BlueskyConnectForm(request.POST, prefix="bluesky")
                if bluesky_form.is_valid():
                    account = services.connect_bluesky(membership, **bluesky_form.cleaned_data)
                    _checking(request, account)
                    return redirect("syndication:accounts", org=membership.organisation.slug)
            elif network == "local":
                services.connect_local(membership)
                messages.success(request, _("The demo timeline is connected."))
                return redirect("syndication:accounts", org=membership.organisation.slug)
            elif network == "mastodon":
                mastodon_form = MastodonConnectForm(request.POST, prefix="mastodon")
                if mastodon_form.is_valid():
                    account = services.connect_mastodon(membership, **mastodon_form.cleaned_data)
                    _checking(request, account)
                    return redirect("syndication:accounts", org=membership.organisation.slug)
        except ValidationError as error:
            form = bluesky_form if network == "bluesky" else mastodon_form
            form.add_error(None, error)
    current = _current(membership)
    context = {
        "accounts": current,
        "bluesky_form": bluesky_form,
        "mastodon_form": mastodon_form,
        "can_manage": membership.can("organisation.edit"),
        "local_connected": any(a.network == Network.LOCAL for a in current),
    }
    return render(request, "syndication/accounts.html", context)


@require_POST
@staff_view("organisation.edit")
def disconnect(request: HttpRequest, membership: Membership, account_id: int) -> HttpResponse:
    account = access_account(membership, account_id, for_edit=True)
    services.disconnect_account(membership, account)
    messages.success(request, _("The account is disconnected and its password forgotten."))
    return redirect("syndication:accounts", org=membership.organisation.slug)


@staff_view()
def schedule(request: HttpRequest, membership: Membership, story_id: int) -> HttpResponse:
    story = access_story(membership, story_id)
    connected = _usable(membership)
    posted_for = None
    if request.method == "POST":
        require(membership, "content.write")
        account_id = request.POST.get("account", "")
        posted_for = next((a for a in connected if str(a.pk) == account_id), None)
    forms = []
    for account in connected:
        if account is posted_for:
            form = ScheduleForm(request.POST, account=account)
            typed = request.POST.get(form.add_prefix("text"), "").strip()
            offer_override(form, typed, membership=membership)
            if form.is_valid():
                try:
                    services.schedule_post(membership, story, account, **form.cleaned_data)
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    messages.success(request, _("The post is scheduled."))
                    return redirect(
                        "syndication:schedule", org=membership.organisation.slug, story_id=story.pk
                    )
        else:
            start = timezone.localtime() + timedelta(hours=1)
            form = ScheduleForm(
                account=account,
                initial={
                    "text": services.default_text(story),
                    "scheduled_at": start.replace(minute=0, second=0, microsecond=0),
                },
            )
        forms.append(form)
    context = {
        "story": story,
        "forms": forms,
        "has_errors": any(form.errors for form in forms),
        "posts": ScheduledPost.objects.filter(story=story).select_related("account"),
        "can_write": membership.can("content.write"),
        "can_approve": membership.can("content.approve"),
    }
    return render(request, "syndication/schedule.html", context)


# The calendar steps a week or a month either side of its date, in the local time zone:
# near year 1 or 9999 that arithmetic overflows, so dates that far out are refused.
EARLIEST, LATEST = date(1900, 1, 1), date(9000, 12, 31)


def _period(request: HttpRequest) -> tuple[str, date, date, date, date] | None:
    view = "month" if request.GET.get("view") == "month" else "week"
    try:
        anchor = date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        anchor = timezone.localdate()
    if not EARLIEST <= anchor <= LATEST:
        return None
    if view == "month":
        start = anchor.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
        previous = (start - timedelta(days=1)).replace(day=1)
    else:
        start = week_start(anchor)
        end = start + timedelta(days=7)
        previous = start - timedelta(days=7)
    return view, start, end, previous, end


@staff_view()
def calendar(request: HttpRequest, membership: Membership) -> HttpResponse:
    period = _period(request)
    if period is None:
        message = _("Choose a date between %(earliest)s and %(latest)s.") % {
            "earliest": EARLIEST.isoformat(),
            "latest": LATEST.isoformat(),
        }
        return bad_request(request, message)
    view, start, end, previous, following = period
    zone = timezone.get_current_timezone()
    posts = (
        ScheduledPost.objects.for_organisation(membership.organisation)
        .filter(
            scheduled_at__gte=datetime.combine(start, time.min, zone),
            scheduled_at__lt=datetime.combine(end, time.min, zone),
        )
        .order_by("scheduled_at", "id")
    )
    days = [
        (day, list(items))
        for day, items in groupby(posts, key=lambda p: timezone.localtime(p.scheduled_at).date())
    ]
    organisation = membership.organisation
    failed = ScheduledPost.objects.for_organisation(organisation).failed().order_by("-scheduled_at")
    awaiting = []
    if organisation.approval_required:
        awaiting = list(
            ScheduledPost.objects.for_organisation(organisation).filter(
                state=PostState.SCHEDULED, approved_at__isnull=True
            )
        )
    context = {
        "held": ScheduledPost.objects.for_organisation(organisation).held()[:100],
        "view": view,
        "start": start,
        "end": end - timedelta(days=1),
        "previous": previous,
        "following": following,
        "days": days,
        "failed": failed[:100],
        "awaiting": awaiting,
        "can_write": membership.can("content.write"),
        "can_approve": membership.can("content.approve"),
        "now": timezone.now(),
    }
    return render(request, "syndication/calendar.html", context)


def _back(request: HttpRequest, membership: Membership) -> HttpResponse:
    target = request.POST.get("next", "")
    if target.startswith(f"/staff/{membership.organisation.slug}/") and "//" not in target:
        return redirect(target)
    return redirect("syndication:calendar", org=membership.organisation.slug)


@require_POST
@staff_view("content.write")
def retry(request: HttpRequest, membership: Membership, post_id: int) -> HttpResponse:
    post = access_post(membership, post_id, for_edit=True)
    try:
        services.retry_post(membership, post)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("The post will be tried again within a minute."))
    return _back(request, membership)


@require_POST
@staff_view("content.write")
def cancel(request: HttpRequest, membership: Membership, post_id: int) -> HttpResponse:
    post = access_post(membership, post_id, for_edit=True)
    try:
        services.cancel_post(membership, post)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("The post is cancelled."))
    return _back(request, membership)


@staff_view()
def post_safety(request: HttpRequest, membership: Membership, post_id: int) -> HttpResponse:
    """A post's safety check, and an owner's or safety officer's decision to let its
    flagged text out (a held post goes back in the queue)."""
    post = access_post(membership, post_id)
    form, recorded = decide_override(
        request,
        membership,
        lambda reason, seen: services.release_post(membership, post, reason, seen_hash=seen),
    )
    if recorded:
        messages.success(request, _("Recorded: the post may go out. It is in the audit log."))
        return redirect("syndication:calendar", org=membership.organisation.slug)
    safety = panel("post", post, post.text, membership=membership)
    if not form.is_bound:
        form = OverrideForm(initial={"text_hash": safety.text_hash})
    context = {
        "form": form,
        "safety": safety,
        "title": post.story.title,
        "override_url": request.path,
        "back_url": reverse("syndication:calendar", args=[membership.organisation.slug]),
        "back_label": _("Back to the calendar"),
    }
    return render(request, "safety/override.html", context)


@require_POST
@staff_view("content.approve")
def approve(request: HttpRequest, membership: Membership, post_id: int) -> HttpResponse:
    post = access_post(membership, post_id)
    try:
        services.approve_post(membership, post)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("The post is approved."))
    return _back(request, membership)


@staff_view()
def timeline(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The built-in demo timeline: what the worker posted to it, newest first."""
    posts = LocalPost.objects.for_organisation(membership.organisation)
    page = Paginator(posts, 20).get_page(request.GET.get("page"))
    return render(request, "syndication/timeline.html", {"page": page})
