"""Staff pages on how a petition's signatures arrived: the quiet signals the worker noticed
(signals.py) and the switch for the browser check (lib/proofofwork.py).

Any member reads the signals; names show only to those who may read supporters
(`supporters.read`), as on the evangelists page; switching the check is `content.write`.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from groundswell.accounts.access import staff_view
from groundswell.accounts.models import Membership

from . import petitions, signals
from .access import access_petition
from .forms import SignalFilterForm
from .models import SignatureState

PAGE_SIZE = 50
ANY_SIGNAL = sum(int(kind.signal) for kind in signals.KINDS)


@require_GET
@staff_view()
def staff_signals(request: HttpRequest, membership: Membership, petition_id: int) -> HttpResponse:
    petition = access_petition(membership, petition_id)
    form = SignalFilterForm(request.GET)
    form.is_valid()  # a bad field shows its message; the valid one still filters
    data = form.cleaned_data
    wanted = signals.BY_SLUG[data["signal"]].signal if data.get("signal") else ANY_SIGNAL
    rows = signals.with_unverified(
        signals.carrying(petition.signatures.all(), int(wanted))
    ).select_related("supporter")
    state = data.get("state")
    if state == "unverified":
        rows = rows.filter(Q(state=SignatureState.PENDING, _unverified__gt=0))
    elif state == "pending":
        rows = rows.filter(Q(state=SignatureState.PENDING, _unverified=0))
    elif state == "confirmed":
        rows = rows.filter(state=SignatureState.CONFIRMED)
    page = Paginator(rows.order_by("-created_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    listed = [
        {
            "signature": signature,
            "signals": [k for k in signals.KINDS if signature.signals & k.signal],
            "unverified": signature.state == SignatureState.PENDING
            and bool(signature.signals & signals.UNVERIFIED),
        }
        for signature in page.object_list
    ]
    return render(
        request,
        "actions/staff_signals.html",
        {
            "petition": petition,
            "form": form,
            "page": page,
            "listed": listed,
            "filtered": any(request.GET.get(name) for name in form.fields),
            "show_names": membership.can("supporters.read"),
            "kinds": signals.KINDS,
        },
        status=200 if form.is_valid() else 400,
    )


@require_POST
@staff_view("content.write")
def staff_challenge(request: HttpRequest, membership: Membership, petition_id: int) -> HttpResponse:
    petition = access_petition(membership, petition_id, for_edit=True)
    wanted = request.POST.get("challenge")
    if wanted not in ("on", "off"):
        message = _("Choose whether to turn the browser check on or off.")
        return render(request, "400.html", {"message": message}, status=400)
    on = wanted == "on"
    if petitions.set_challenge(membership, petition, on=on):
        messages.success(
            request,
            _("The browser check is on: sign forms ask for it within a few seconds.")
            if on
            else _("The browser check is off."),
        )
    return redirect("actions:staff_edit", org=membership.organisation.slug, petition_id=petition.pk)
