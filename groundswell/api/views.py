from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from groundswell.accounts.access import require, staff_view
from groundswell.accounts.models import Membership

from . import services
from .access import member_token
from .forms import TokenForm
from .models import ApiToken


@staff_view()
def tokens(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Every member sees which tokens exist; only an owner creates them."""
    form = TokenForm(request.POST or None)
    raw_token = ""
    if request.method == "POST":
        require(membership, "api.manage")
        if form.is_valid():
            try:
                _token, raw_token = services.issue_token(membership, name=form.cleaned_data["name"])
            except ValidationError as error:
                form.add_error("name", error)
            else:
                form = TokenForm()
    context = {
        "form": form,
        "tokens": ApiToken.objects.for_organisation(membership.organisation),
        "raw_token": raw_token,
        "can_manage": membership.can("api.manage"),
    }
    # The new token is on this page only: no redirect that would need to carry it, and no
    # copy of the page kept by a browser or proxy cache.
    response = render(request, "api/tokens.html", context)
    if raw_token:
        response["Cache-Control"] = "no-store"
    return response


@require_POST
@staff_view("api.manage")
def revoke(request: HttpRequest, membership: Membership, token_id: int) -> HttpResponse:
    token = member_token(membership, token_id)
    if services.revoke_token(membership, token):
        messages.success(request, _("The token “%(name)s” no longer works.") % {"name": token.name})
    return redirect("api:tokens", org=membership.organisation.slug)
