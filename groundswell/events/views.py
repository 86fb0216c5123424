"""The public half of events: the page with its RSVP form, the thanks with the share step,
the attendee's own page and cancellation, and the iCalendar files. None of them decides a
place or sends email: the RSVP is one INSERT and the worker does the rest (decisions.py)."""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from groundswell.accounts.models import Organisation
from groundswell.lib import analytics, ratelimit
from groundswell.lib.pagecache import public_page, rendering_for_cache
from groundswell.referrals.sharing import event_share_links

from . import calendar, intake, services
from .access import event_for_rsvp, own_attendance, public_event
from .forms import RsvpForm
from .models import Attendance, AttendanceState, Event

RSVP_RATE_PER_MINUTE = 20


def _referral(request: HttpRequest) -> dict[str, str]:
    if rendering_for_cache(request):
        # The shared copy carries no one's referral: each reply gets its own (pagecache).
        return {"ref": "", "ch": "", "ws": ""}
    try:
        website = urlsplit(request.META.get("HTTP_REFERER", "")).hostname or ""
    except ValueError:
        website = ""
    if website == urlsplit(settings.SITE_URL).hostname:
        website = ""
    return {
        "ref": request.GET.get("ref", "")[:64],
        "ch": request.GET.get("ch", "")[:40],
        "ws": website,
    }


def _page(request: HttpRequest, event: Event, form: RsvpForm, *, status: int = 200) -> HttpResponse:
    return render(
        request,
        "events/event.html",
        {
            "organisation": event.organisation,
            "campaign": event.campaign,
            "event": event,
            "form": form,
            "places_left": places_left(event),
        },
        status=status,
    )


def places_left(event: Event) -> int | None:
    """None when there is no limit; the places not yet given (the waiting list aside)."""
    if not event.capacity:
        return None
    going = Attendance.objects.filter(event=event, state=AttendanceState.GOING).count()
    return max(0, event.capacity - going)


@require_GET
@public_page(referral=_referral)
def detail(request: HttpRequest, org_slug: str, event_id: int) -> HttpResponse:
    event = public_event(org_slug, event_id)
    analytics.mark_page(request, analytics.Dims(event.organisation_id, event.campaign_id))
    return _page(request, event, RsvpForm(initial=_referral(request), event=event))


# Like signing, an RSVP needs no account and no session: a forged cross-site submission
# could at most add someone who is then told by email and can cancel. Exempt, so the page
# sets no cookie.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def rsvp(request: HttpRequest, org_slug: str, event_id: int) -> HttpResponse:
    """The sign form's shape: one lean look-up, validation without queries, and the rate
    count and the INSERT under one take of the write lock. Only a refused RSVP loads the
    whole event, to draw its page again."""
    if request.method != "POST":
        event = public_event(org_slug, event_id)
        return _page(request, event, RsvpForm(initial=_referral(request), event=event))
    found = event_for_rsvp(org_slug, event_id)
    if found is None:
        raise Http404
    form = RsvpForm(request.POST)
    if not found.taking_rsvps:
        form.add_error(None, _("This event is over or cancelled, so it takes no more RSVPs."))
        return _refused(request, org_slug, event_id, form, status=400)
    if not form.is_valid():
        return _refused(request, org_slug, event_id, form, status=400)
    with ratelimit.one_write():
        allowed = ratelimit.hit(
            "rsvp", ratelimit.client_network(request), limit=RSVP_RATE_PER_MINUTE, window=60
        )
        taken = intake.take(found, _rsvp_request(request, form)) if allowed else None
    if taken is None:
        form.add_error(
            None, _("Too many RSVPs from your connection in the last minute. Please wait.")
        )
        return _refused(request, org_slug, event_id, form, status=429)
    return HttpResponseRedirect(_thanks_url(org_slug, found.pk, taken.share_token))


def _refused(
    request: HttpRequest, org_slug: str, event_id: int, form: RsvpForm, *, status: int
) -> HttpResponse:
    event = public_event(org_slug, event_id)
    form.describe(event)
    return _page(request, event, form, status=status)


def _rsvp_request(request: HttpRequest, form: RsvpForm) -> intake.RsvpRequest:
    data = form.cleaned_data
    ref = data.get("ref") or ""
    return intake.RsvpRequest(
        email=data["email"],
        given_name=data["given_name"],
        family_name=data.get("family_name", ""),
        wants_updates=data["wants_updates"],
        language=get_language() or "",
        referral_token=ref,
        referrer_data={
            "source": data.get("ch") or ("share" if ref else "web"),
            "referrer": ref,
            "website": data.get("ws") or "",
        },
        source_url=request.META.get("HTTP_REFERER", "")[:2000],
    )


@functools.lru_cache(maxsize=1024)
def _thanks_prefix(org_slug: str, event_id: int) -> str:
    return reverse("events:thanks", args=[org_slug, event_id, "TOKEN"]).removesuffix("TOKEN/")


def _thanks_url(org_slug: str, event_id: int, token: str) -> str:
    # Resolved once per event, as the sign form's: reverse() was a noticeable part of a POST.
    return f"{_thanks_prefix(org_slug, event_id)}{token}/"


@require_GET
def thanks(request: HttpRequest, org_slug: str, event_id: int, token: str) -> HttpResponse:
    """The same page for a first RSVP and a repeat: it must not tell whoever typed an
    address whether that address had answered. The email says place or waiting list."""
    event = public_event(org_slug, event_id)
    if (
        not token.isascii()
        or not Attendance.objects.filter(event=event, share_token=token[:32]).exists()
    ):
        raise Http404
    response = render(
        request,
        "events/thanks.html",
        {
            "organisation": event.organisation,
            "event": event,
            "share": event_share_links(
                event.title,
                event.get_absolute_url(),
                token,
                org=event.organisation.slug,
                event_id=event.pk,
            ),
            "share_heading": _("Ask two friends to come"),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def attendance(request: HttpRequest, org_slug: str, token: str) -> HttpResponse:
    """The person's own RSVP, reached from every email: where they stand, and the way out."""
    row = own_attendance(org_slug, token)
    event = row.event
    response = render(
        request,
        "events/attendance.html",
        {
            "organisation": event.organisation,
            "event": event,
            "attendance": row,
            "open": row.state
            in (AttendanceState.NEW, AttendanceState.GOING, AttendanceState.WAITLISTED),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, org_slug: str, token: str) -> HttpResponse:
    """GET shows a button and changes nothing (mail scanners follow links); POST cancels.

    The token from the person's email is the proof, as on a pledge's page."""
    row = own_attendance(org_slug, token)
    if request.method == "POST":
        services.cancel_attendance(row)
        return HttpResponseRedirect(reverse("events:attendance", args=[org_slug, token]))
    event = row.event
    response = render(
        request,
        "events/cancel.html",
        {
            "organisation": event.organisation,
            "event": event,
            "attendance": row,
            "open": row.state
            in (AttendanceState.NEW, AttendanceState.GOING, AttendanceState.WAITLISTED),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def upcoming(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The organisation's events still to come."""
    organisation = get_object_or_404(Organisation.objects.public(), slug=org_slug)
    events = list(Event.objects.public().filter(organisation=organisation).upcoming()[:100])
    return render(request, "events/upcoming.html", {"organisation": organisation, "events": events})


ICS = "text/calendar; charset=utf-8"
FEED_LIMIT = 500


def _ics(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=ICS)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def event_ics(request: HttpRequest, org_slug: str, event_id: int) -> HttpResponse:
    event = public_event(org_slug, event_id)
    return _ics(calendar.calendar([event], name=event.title), f"event-{event.pk}.ics")


@require_GET
def organisation_ics(request: HttpRequest, org_slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation.objects.public(), slug=org_slug)
    events = Event.objects.public().filter(organisation=organisation).order_by("-starts_at")
    return _ics(calendar.calendar(events[:FEED_LIMIT], name=organisation.name), f"{org_slug}.ics")


@require_GET
def campaign_ics(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation.objects.public(), slug=org_slug)
    campaign = get_object_or_404(organisation.campaigns.filter(status="live"), slug=slug)
    events = Event.objects.public().filter(campaign=campaign).order_by("-starts_at")
    name = f"{organisation.name}: {campaign.title}"
    return _ics(calendar.calendar(events[:FEED_LIMIT], name=name), f"{org_slug}-{slug}.ics")
