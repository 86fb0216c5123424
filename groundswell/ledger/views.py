from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from groundswell.accounts.access import require, staff_view
from groundswell.accounts.models import Membership
from groundswell.actions.forms import UpdateForm
from groundswell.campaigns.models import Campaign
from groundswell.safety.forms import gate_errors, offer_override

from . import services
from .access import access_entry
from .forms import EntryForm
from .models import Kind, LedgerEntry


@staff_view()
def ledger(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Every campaign's ledger, or one campaign's (?campaign=<id>), newest first."""
    organisation = membership.organisation
    entries = LedgerEntry.objects.for_organisation(organisation)
    campaign = None
    raw = request.GET.get("campaign", "")
    if raw:
        campaign = (
            Campaign.objects.for_organisation(organisation)
            .filter(pk=int(raw) if raw.isdigit() and len(raw) < 12 else 0)
            .first()
        )
        if campaign is None:
            return render(request, "ledger/no_campaign.html", status=404)
        entries = entries.filter(campaign=campaign)
    tally = dict(entries.order_by().values_list("kind").annotate(n=Count("pk")))
    context = {
        "entries": entries,
        "campaign": campaign,
        "tally": [(label, tally.get(value, 0)) for value, label in Kind.choices],
        "campaigns": Campaign.objects.for_organisation(organisation).order_by("title"),
    }
    return render(request, "ledger/list.html", context)


def _form_data(form: EntryForm) -> tuple[dict[str, Any], bool, str]:
    data = dict(form.cleaned_data)
    move = bool(data.pop("move_petition", False))
    reason = data.pop("safety_reason", "") or ""
    return data, move, reason


def _edit(request: HttpRequest, membership: Membership, entry: LedgerEntry | None) -> HttpResponse:
    organisation = membership.organisation
    initial: dict[str, Any] = {}
    if entry is not None:
        initial = {
            "campaign": entry.campaign_id, "petition": entry.petition_id, "kind": entry.kind,
            "happened_on": entry.happened_on, "title": entry.title, "details": entry.details,
            "evidence": "\n".join(entry.evidence), "public": entry.public,
        }  # fmt: skip
    elif request.GET.get("campaign", "").isdigit():
        initial = {"campaign": request.GET["campaign"]}
    posted = request.method == "POST"
    form = EntryForm(request.POST if posted else None, organisation=organisation, initial=initial)
    if posted:
        require(membership, "content.write")
        typed = "\n\n".join(request.POST.get(name, "") for name in ("title", "details", "evidence"))
        if request.POST.get("public"):
            offer_override(form, typed, membership=membership)
        if form.is_valid():
            data, move, reason = _form_data(form)
            try:
                if entry is None:
                    entry = services.add_entry(
                        membership, data, move_petition=move, safety_reason=reason
                    )
                    messages.success(request, _("Added to the ledger."))
                else:
                    entry = services.change_entry(
                        membership, entry, data, move_petition=move, safety_reason=reason
                    )
                    messages.success(request, _("Ledger entry saved."))
            except ValidationError as error:
                form.add_error(None, gate_errors(error, form))
            else:
                return redirect("ledger:entry", org=organisation.slug, ledger_entry_id=entry.pk)
    # A form shown again with its errors is a refusal: 400 (R2), the GOV.UK page all the same.
    status = 400 if form.errors else 200
    return render(request, "ledger/edit.html", {"form": form, "entry": entry}, status=status)


@staff_view("content.write")
def entry_new(request: HttpRequest, membership: Membership) -> HttpResponse:
    return _edit(request, membership, None)


@staff_view()
def entry(request: HttpRequest, membership: Membership, ledger_entry_id: int) -> HttpResponse:
    return _edit(request, membership, access_entry(membership, ledger_entry_id))


@staff_view("content.write")
def entry_delete(
    request: HttpRequest, membership: Membership, ledger_entry_id: int
) -> HttpResponse:
    found = access_entry(membership, ledger_entry_id, for_edit=True)
    if request.method == "POST":
        services.delete_entry(membership, found)
        messages.success(request, _("Ledger entry deleted."))
        return redirect("ledger:list", org=membership.organisation.slug)
    return render(request, "ledger/delete.html", {"entry": found})


@staff_view("content.write")
def report(request: HttpRequest, membership: Membership, ledger_entry_id: int) -> HttpResponse:
    """The report-back: the petition's update form, drafted from the entry."""
    found = access_entry(membership, ledger_entry_id, for_edit=True)
    if request.method == "POST":
        form = UpdateForm(request.POST)
        typed = f"{request.POST.get('subject', '')}\n\n{request.POST.get('body', '')}"
        offer_override(form, typed, membership=membership)
        if form.is_valid():
            data = dict(form.cleaned_data)
            reason = data.pop("safety_reason", "") or ""
            try:
                services.send_report(membership, found, **data, safety_reason=reason)
            except ValidationError as error:
                form.add_error(None, gate_errors(error, form))
            else:
                messages.success(
                    request, _("The update is on its way to signers who asked for news.")
                )
                return redirect(
                    "ledger:entry", org=membership.organisation.slug, ledger_entry_id=found.pk
                )
    else:
        form = UpdateForm(initial=services.draft_report(found))
    status = 400 if form.errors else 200
    return render(request, "ledger/report.html", {"form": form, "entry": found}, status=status)
