"""Staff pages: trending sources, their signatures, and bulk invalidation with its undo."""

from __future__ import annotations

from datetime import UTC, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from groundswell.accounts.access import staff_view
from groundswell.accounts.models import Membership
from groundswell.actions.models import Signature
from groundswell.lib import leases

from . import services
from .access import access_batch, access_trend
from .criteria import SAMPLE, preview
from .forms import AlertEmailForm, InvalidationForm
from .models import AlertSubscription, InvalidatedSignature, InvalidationBatch, SourceKind, Trend
from .trends import BASELINE

SHOWN = 200


@staff_view("fraud.view")
def trends(request: HttpRequest, membership: Membership) -> HttpResponse:
    organisation = membership.organisation
    since = leases.now() - BASELINE
    context = {
        "trends": Trend.objects.for_organisation(organisation).filter(raised_at__gte=since)[:100],
        "subscribed": AlertSubscription.objects.filter(membership=membership).exists(),
        "can_invalidate": membership.can("fraud.invalidate"),
        "batches": InvalidationBatch.objects.for_organisation(organisation)[:5],
    }
    return render(request, "fraud/trends.html", context)


def behind(trend: Trend) -> QuerySet[Signature]:
    """The organisation's signatures from the trend's source in its window."""
    # updated_at ≥ created_at for every row, and it is indexed: it narrows the scan.
    rows = Signature.objects.filter(
        petition__organisation_id=trend.organisation_id,
        updated_at__gte=trend.window_start,
        created_at__gte=trend.window_start,
        created_at__lte=trend.window_end,
    )
    if trend.kind == SourceKind.NETWORK:
        return rows.filter(network=trend.source)
    return rows.filter(email_domain=trend.source)


@staff_view("fraud.view")
def trend(request: HttpRequest, membership: Membership, trend_id: int) -> HttpResponse:
    found = access_trend(membership, trend_id)
    rows = behind(found)
    by_petition = (
        rows.values("petition_id", "petition__title")
        .annotate(n=Count("id"))
        .order_by("-n", "petition_id")
    )
    criterion = "network" if found.kind == SourceKind.NETWORK else "domain"
    # The window, widened to whole minutes (the form's precision), covers every one of them.
    query = {
        "criterion": criterion,
        criterion: found.source,
        "since": found.window_start.strftime("%Y-%m-%dT%H:%M"),
        "until": (found.window_end + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M"),
    }
    context = {
        "trend": found,
        "signatures": rows.select_related("petition").order_by("-created_at", "-id")[:SHOWN],
        "count": rows.count(),
        "shown": SHOWN,
        "by_petition": by_petition,
        "invalidate_url": reverse("fraud:invalidate", args=[membership.organisation.slug])
        + "?"
        + urlencode(query),
        "can_invalidate": membership.can("fraud.invalidate"),
    }
    return render(request, "fraud/trend.html", context)


@require_POST
@staff_view("fraud.view")
def alert_email(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = AlertEmailForm(request.POST)
    wanted = form.is_valid() and form.cleaned_data["wanted"]
    services.choose_alert_email(membership, wanted=wanted)
    if wanted:
        messages.success(request, _("We will email you when a source trends."))
    else:
        messages.success(request, _("We will not email you about trending sources."))
    return redirect("fraud:trends", org=membership.organisation.slug)


@staff_view("fraud.view")
def batches(request: HttpRequest, membership: Membership) -> HttpResponse:
    organisation = membership.organisation
    context = {
        "batches": InvalidationBatch.objects.for_organisation(organisation)[:200],
        "can_invalidate": membership.can("fraud.invalidate"),
    }
    return render(request, "fraud/batches.html", context)


@staff_view("fraud.view")
def batch(request: HttpRequest, membership: Membership, batch_id: int) -> HttpResponse:
    found = access_batch(membership, batch_id)
    rows = InvalidatedSignature.objects.filter(batch=found).select_related("signature__petition")
    context = {
        "batch": found,
        "sample": [row.signature for row in rows.order_by("-signature__created_at")[:SAMPLE]],
        "can_invalidate": membership.can("fraud.invalidate"),
    }
    return render(request, "fraud/batch.html", context)


@staff_view("fraud.invalidate")
def invalidate(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Choose, preview (how many, and the latest few), then confirm what was previewed."""
    # The form's times are UTC, whatever the site's time zone (the pages say so).
    with timezone.override(UTC):
        return _invalidate(request, membership)


def _invalidate(request: HttpRequest, membership: Membership) -> HttpResponse:
    organisation = membership.organisation
    if request.method != "POST":
        known = ("criterion", "petition", "network", "domain", "since", "until")
        initial = {name: request.GET[name] for name in known if name in request.GET}
        form = InvalidationForm(initial=initial, organisation=organisation)
        return render(request, "fraud/invalidate.html", {"form": form})
    form = InvalidationForm(request.POST, organisation=organisation)
    if not form.is_valid():
        return render(request, "fraud/invalidate.html", {"form": form}, status=400)
    choice = form.choice()
    if "confirm" in request.POST:
        try:
            done = services.invalidate(
                membership,
                choice,
                reason=form.cleaned_data["reason"],
                previewed=form.cleaned_data.get("previewed") or 0,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                ngettext(
                    "%(n)s signature invalidated. It no longer counts anywhere public.",
                    "%(n)s signatures invalidated. They no longer count anywhere public.",
                    done.signatures,
                )
                % {"n": done.signatures},
            )
            return redirect("fraud:batch", org=organisation.slug, batch_id=done.pk)
    count, sample = preview(organisation, choice)
    status = 400 if form.errors else 200
    context = {"form": form, "count": count, "sample": sample, "previewed": True}
    return render(request, "fraud/invalidate.html", context, status=status)


@require_POST
@staff_view("fraud.invalidate")
def undo(request: HttpRequest, membership: Membership, batch_id: int) -> HttpResponse:
    found = access_batch(membership, batch_id, for_change=True)
    try:
        restored = services.undo(membership, found)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            ngettext(
                "Undone: %(n)s signature counts again.",
                "Undone: %(n)s signatures count again.",
                restored,
            )
            % {"n": restored},
        )
    return redirect("fraud:batch", org=membership.organisation.slug, batch_id=found.pk)
