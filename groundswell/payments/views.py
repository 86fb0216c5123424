"""The public half of giving: the form, the page that waits for the checkout, the thanks,
and the providers' webhooks. None of them calls a provider: the worker does."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from groundswell.accounts.models import Organisation
from groundswell.lib import ratelimit
from groundswell.lib.emails import normalise_email
from groundswell.referrals.sharing import gift_share_links

from . import events, money, pledges, providers, services
from .access import donor_donation, donor_pledge, public_appeal
from .forms import DonateForm, PledgeForm
from .models import Appeal, DonationState
from .workflow import SETTLED, WAITING

WAIT_REFRESH_SECONDS = 2
DONATE_RATE_PER_MINUTE = 10
MAX_WEBHOOK_BYTES = 512 * 1024


def _may_post_to(response: HttpResponse, *origins: str) -> HttpResponse:
    """Let this page's forms, and the redirects that follow them, lead to the providers'
    checkout (CSP form-action is 'self' everywhere else)."""
    allowed = ["'self'", *(origin for origin in origins if origin)]
    response._csp_config = {**settings.SECURE_CSP, "form-action": allowed}  # type: ignore[attr-defined]
    return response


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else ""


def _referral(request: HttpRequest) -> dict[str, str]:
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


def _page(
    request: HttpRequest, appeal: Appeal, form: DonateForm, *, status: int = 200
) -> HttpResponse:
    response = render(
        request,
        "payments/donate.html",
        {
            "organisation": appeal.organisation,
            "campaign": appeal.campaign,
            "appeal": appeal,
            "form": form,
            "cancelled": request.GET.get("cancelled") == "1",
        },
        status=status,
    )
    return _may_post_to(response, *settings.PAYMENTS_CHECKOUT_ORIGINS)


# Like signing, giving needs no account and no session: a forged cross-site submission
# could at most open a checkout that nobody pays. Exempt, so the page sets no cookie.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def donate(request: HttpRequest, org_slug: str, campaign_slug: str) -> HttpResponse:
    appeal = public_appeal(org_slug, campaign_slug)
    if request.method != "POST":
        return _page(request, appeal, DonateForm(initial=_referral(request), appeal=appeal))
    form = DonateForm(request.POST, appeal=appeal)
    if not form.is_valid():
        return _page(request, appeal, form, status=400)
    if not ratelimit.hit(
        "donate",
        ratelimit.client_network(request),
        limit=DONATE_RATE_PER_MINUTE,
        window=60,
    ):
        form.add_error(
            None, _("Too many donations from your connection in the last minute. Please wait.")
        )
        return _page(request, appeal, form, status=429)
    data = form.cleaned_data
    ref = data.get("ref", "")
    donation = services.take_donation(
        appeal,
        services.DonationRequest(
            email=data["email"],
            email_key=normalise_email(data["email"]),
            given_name=data["given_name"],
            family_name=data.get("family_name", ""),
            amount=data["minor"],
            frequency=data.get("frequency") or "once",
            language=get_language() or "",
            referral_token=ref,
            referrer_data={
                "source": data.get("ch") or ("share" if ref else "web"),
                "referrer": ref,
                "website": data.get("ws") or "",
            },
            gift_aid=bool(data.get("gift_aid")),
            title=data.get("title", ""),
            house=(data.get("house") or "").strip(),
            postcode=data.get("postcode", ""),
        ),
    )
    return HttpResponseRedirect(reverse("payments:donation", args=[org_slug, donation.token]))


@require_GET
def donation(request: HttpRequest, org_slug: str, token: str) -> HttpResponse:
    """The donor waits here while the worker opens the checkout, then goes on to it.

    No script needed: the page refreshes itself every WAIT_REFRESH_SECONDS and has a button;
    once the checkout is there, a plain redirect (Stripe) or a form to post (Razorpay).
    """
    gift = donor_donation(org_slug, token)
    cancelled = request.GET.get("cancelled") == "1"
    if gift.state in SETTLED:
        return HttpResponseRedirect(reverse("payments:thanks", args=[org_slug, token]))
    ready = gift.state == DonationState.OPEN and gift.checkout_url and not gift.checkout_form
    if ready and not cancelled:
        return HttpResponseRedirect(gift.checkout_url)
    response = render(
        request,
        "payments/waiting.html",
        {
            "organisation": gift.organisation,
            "donation": gift,
            "amount": money.display(gift.amount, gift.currency),
            "waiting": gift.state in (DonationState.NEW, DonationState.OPENING),
            "refresh": WAIT_REFRESH_SECONDS,
            "cancelled": cancelled,
            "appeal_url": gift.appeal.get_absolute_url(),
        },
    )
    response["Cache-Control"] = "no-store"
    return _may_post_to(response, _origin(gift.checkout_url))


@require_GET
def donation_state(request: HttpRequest, org_slug: str, token: str) -> JsonResponse:
    """For the waiting page's script: whether to move on, and where."""
    gift = donor_donation(org_slug, token)
    ready = gift.state not in (DonationState.NEW, DonationState.OPENING)
    return JsonResponse(
        {"state": gift.state, "ready": ready},
        headers={"Cache-Control": "no-store"},
    )


@require_GET
def thanks(request: HttpRequest, org_slug: str, token: str) -> HttpResponse:
    """Where the provider sends the donor back: the outcome as the webhooks told it, and
    the share step (the donor's own link for this appeal)."""
    gift = donor_donation(org_slug, token)
    appeal = gift.appeal
    response = render(
        request,
        "payments/thanks.html",
        {
            "organisation": gift.organisation,
            "donation": gift,
            "campaign": appeal.campaign,
            "amount": money.display(gift.amount, gift.currency),
            "settled": gift.state in SETTLED,
            "confirming": gift.state in WAITING,
            "refresh": WAIT_REFRESH_SECONDS + 1,
            "share": gift_share_links(
                appeal.campaign.title,
                appeal.get_absolute_url(),
                gift.share_token,
                org=gift.organisation.slug,
                campaign=appeal.campaign.slug,
            ),
            "share_heading": _("Ask two friends to give"),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, provider: str, org_slug: str) -> HttpResponse:
    """A provider's signed event: verified and stored here, applied by the worker.

    Forged, tampered, stale or malformed: 400 with the reason, nothing stored. A repeat of
    an event already stored: 200, nothing done again (the provider retries until it gets
    a 2xx, so a repeat must not look like a failure).
    """
    if provider not in providers.NAMES:
        raise Http404
    organisation = get_object_or_404(Organisation, slug=org_slug)
    if len(request.body) > MAX_WEBHOOK_BYTES:
        return HttpResponse("Too large.", status=413, content_type="text/plain")
    headers = {name.lower(): value for name, value in request.headers.items()}
    try:
        received = events.receive(organisation.pk, provider, headers, request.body)
    except events.NotConnected:
        raise Http404 from None
    except providers.Refused as refusal:
        return HttpResponseBadRequest(str(refusal), content_type="text/plain")
    if not received.new:
        return HttpResponse("Already received.", content_type="text/plain")
    return HttpResponse("Received.", content_type="text/plain")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def pledge(request: HttpRequest, org_slug: str, campaign_slug: str) -> HttpResponse:
    """Promise money or time now, keep it later: one INSERT, a reminder on the chosen day."""
    appeal = public_appeal(org_slug, campaign_slug)
    form = PledgeForm(request.POST or None, appeal=appeal)
    if request.method == "POST":
        limited = not ratelimit.hit(
            "pledge", ratelimit.client_network(request), limit=DONATE_RATE_PER_MINUTE, window=60
        )
        if limited:
            form.add_error(None, _("Too many pledges from your connection. Please wait a minute."))
        if not limited and form.is_valid():
            data = form.cleaned_data
            promise = pledges.take_pledge(
                appeal,
                pledges.PledgeRequest(
                    kind=data["kind"],
                    amount=data.get("minor", 0),
                    hours=data.get("hours") or 0,
                    what=(data.get("what") or "").strip(),
                    remind_on=data["remind_on"],
                    email=data["email"],
                    email_key=normalise_email(data["email"]),
                    given_name=data["given_name"],
                    language=get_language() or "",
                ),
            )
            return HttpResponseRedirect(
                reverse("payments:pledge_page", args=[org_slug, promise.token])
            )
    status = 429 if form.non_field_errors() else 400 if form.errors else 200
    return render(
        request,
        "payments/pledge_form.html",
        {"organisation": appeal.organisation, "campaign": appeal.campaign, "form": form},
        status=status,
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def pledge_page(request: HttpRequest, org_slug: str, token: str) -> HttpResponse:
    """The person's pledge, reached by its token (from the form and the reminder): pay it,
    say it is done, or withdraw it. GET changes nothing (mail scanners follow links)."""
    promise = donor_pledge(org_slug, token)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "pay" and promise.kind == "money" and promise.state in pledges.OPEN:
            gift = pledges.pay_pledge(promise)
            return HttpResponseRedirect(reverse("payments:donation", args=[org_slug, gift.token]))
        if action in ("done", "withdraw") and promise.state in pledges.OPEN:
            pledges.close_pledge(promise, "fulfilled" if action == "done" else "withdrawn")
            return HttpResponseRedirect(reverse("payments:pledge_page", args=[org_slug, token]))
        return HttpResponseBadRequest(
            _("This pledge cannot do that now: reload the page."), content_type="text/plain"
        )
    response = render(
        request,
        "payments/pledge.html",
        {
            "organisation": promise.organisation,
            "pledge": promise,
            "campaign": promise.appeal.campaign,
            "described": pledges.describe(promise),
            "open": promise.state in pledges.OPEN,
        },
    )
    response["Cache-Control"] = "no-store"
    return _may_post_to(response)
