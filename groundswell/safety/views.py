from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from groundswell.accounts.access import require, staff_view
from groundswell.accounts.models import Membership

from . import services
from .access import member_figure
from .forms import PublicFigureForm
from .models import PublicFigure


@staff_view()
def allowlist(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Every member sees whom the safety check leaves alone; owners and safety officers
    change the list."""
    form = PublicFigureForm()
    if request.method == "POST":
        require(membership, "safety.allowlist")
        back = redirect("safety:allowlist", org=membership.organisation.slug)
        if "remove" in request.POST:
            figure = member_figure(membership, request.POST["remove"])
            services.remove_public_figure(membership, figure)
            messages.success(
                request,
                _("The safety check flags %(name)s again from now on.") % {"name": figure.name},
            )
            return back
        form = PublicFigureForm(request.POST)
        if form.is_valid():
            try:
                figure = services.add_public_figure(
                    membership, name=form.cleaned_data["name"], note=form.cleaned_data["note"]
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("The safety check no longer flags %(name)s in this organisation's posts.")
                    % {"name": figure.name},
                )
                return back
    context = {
        "form": form,
        "figures": PublicFigure.objects.for_organisation(membership.organisation).select_related(
            "created_by"
        ),
        "can_manage": membership.can("safety.allowlist"),
    }
    return render(request, "safety/allowlist.html", context)
