"""The staff's pages on donations: what came in (owners only: amounts and donors), each
campaign's appeal, and the providers' keys."""

from __future__ import annotations

import csv
import io

from django.conf import settings
from django.contrib import messages
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.accounts.access import require, staff_view
from groundswell.accounts.models import Membership
from groundswell.campaigns.access import access_campaign
from groundswell.campaigns.models import Campaign
from groundswell.lib.csvcells import csv_cell

from . import giftaid, money, ods, services
from .access import staff_appeal
from .forms import AppealForm, ClaimForm, ProviderForm
from .models import Donation, Payment, PaymentAccount, Pledge, ProviderName
from .pledges import describe

LIST_LIMIT = 100


@staff_view("donations.read")
def donations(request: HttpRequest, membership: Membership) -> HttpResponse:
    organisation = membership.organisation
    latest = (
        Donation.objects.for_organisation(organisation)
        .select_related("appeal__campaign")
        .order_by("-created_at")[:LIST_LIMIT]
    )
    totals = (
        Payment.objects.filter(donation__organisation=organisation)
        .values("currency")
        .annotate(total=Sum("amount"), refunded=Sum("refunded"), payments=Count("pk"))
        .order_by("currency")
    )
    campaigns = Campaign.objects.for_organisation(organisation).select_related("appeal")
    promised = (
        Pledge.objects.filter(organisation=organisation)
        .select_related("appeal__campaign")
        .order_by("-created_at")[:LIST_LIMIT]
    )
    return render(
        request,
        "payments/staff_donations.html",
        {
            "rows": [(gift, money.display(gift.amount, gift.currency)) for gift in latest],
            "totals": [
                {
                    "currency": row["currency"],
                    "received": money.display(row["total"], row["currency"]),
                    "refunded": money.display(row["refunded"], row["currency"]),
                    "payments": row["payments"],
                }
                for row in totals
            ],
            "campaigns": campaigns,
            "pledges": [(pledge, describe(pledge)) for pledge in promised],
        },
    )


@staff_view("payments.manage")
def appeal(request: HttpRequest, membership: Membership, campaign_id: int) -> HttpResponse:
    campaign = access_campaign(membership, campaign_id)
    current = staff_appeal(membership, campaign.pk)
    initial = {"provider": "stripe", "currency": "GBP", "suggested": "5, 10, 25", "open": True}
    if current:
        initial = {
            "provider": current.provider,
            "currency": current.currency,
            "suggested": ", ".join(
                money.plain(minor, current.currency) for minor in current.suggested
            ),
            "monthly": current.monthly,
            "gift_aid": current.gift_aid,
            "open": current.open,
        }
    form = AppealForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.save_appeal(membership, campaign, form.cleaned_data)
        messages.success(request, _("Donations for this campaign are saved."))
        return redirect(
            "payments:staff_appeal", org=membership.organisation.slug, campaign_id=campaign.pk
        )
    status = 400 if form.errors else 200
    return render(
        request,
        "payments/staff_appeal.html",
        {"form": form, "campaign": campaign, "appeal": current},
        status=status,
    )


@staff_view("payments.manage")
def accounts(request: HttpRequest, membership: Membership) -> HttpResponse:
    organisation = membership.organisation
    form = ProviderForm(request.POST or None)
    if request.method == "POST":
        require(membership, "payments.manage")
        if form.is_valid():
            data = form.cleaned_data
            services.connect_provider(
                membership,
                provider=data["provider"],
                key_id=data.get("key_id", ""),
                api_key=data["api_key"],
                webhook_secret=data["webhook_secret"],
            )
            messages.success(request, _("The keys are saved, sealed."))
            return redirect("payments:staff_accounts", org=organisation.slug)
    connected = {
        account.provider: account
        for account in PaymentAccount.objects.filter(organisation=organisation)
    }
    providers = [
        {
            "name": label,
            "connected": connected.get(value),
            "webhook": settings.SITE_URL
            + reverse("payments:webhook", args=[value, organisation.slug]),
        }
        for value, label in ProviderName.choices
    ]
    return render(
        request,
        "payments/staff_accounts.html",
        {"form": form, "providers": providers},
        status=400 if form.errors else 200,
    )


@staff_view("donations.read")
def gift_aid(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The Gift Aid claim for a period: a form, and with its dates HMRC's schedule as an
    .ods spreadsheet (or its lines as CSV, to paste)."""
    form = ClaimForm(request.GET or None)
    if request.GET and form.is_valid():
        first, last = form.cleaned_data["first"], form.cleaned_data["last"]
        lines = giftaid.schedule_lines(membership.organisation, first, last)
        if len(lines) > giftaid.MAX_LINES:
            form.add_error(
                "last",
                _(
                    "These dates make %(n)s lines, and one HMRC schedule holds %(max)s at "
                    "most: choose an earlier last day and claim the rest in another claim."
                )
                % {"n": len(lines), "max": giftaid.MAX_LINES},
            )
        else:
            name = f"gift-aid-{membership.organisation.slug}-{first:%Y%m%d}-{last:%Y%m%d}"
            if form.cleaned_data["format"] == "csv":
                buffer = io.StringIO()
                writer = csv.writer(buffer)
                writer.writerow(giftaid.COLUMNS)
                writer.writerows([csv_cell(value) for value in line.cells()] for line in lines)
                response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
                name += ".csv"
            else:
                made = timezone.localdate()
                response = HttpResponse(ods.schedule(lines, made=made), content_type=ods.MIMETYPE)
                name += ".ods"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            response["Cache-Control"] = "private, no-store"
            return response
    return render(
        request,
        "payments/staff_gift_aid.html",
        {"form": form, "columns": giftaid.COLUMNS},
        status=400 if form.errors else 200,
    )
