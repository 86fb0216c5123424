"""Staff pages about supporters: find them, read their history, export, erase.

Everything here is personal data, so every view needs `supporters.read` at least, and no
response may be kept by a browser or proxy cache.
"""

from __future__ import annotations

import csv
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from groundswell.accounts.access import staff_view
from groundswell.accounts.models import Membership
from groundswell.actions.models import Petition
from groundswell.lib.csvcells import csv_cell

from . import export, search, services
from .access import access_supporter
from .erasure import erase_supporter
from .subject_access import export_supporter_data

PAGE_SIZE = 50

ANSWERS = [("", gettext_lazy("Any")), ("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))]


class SupporterFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Name or email"),
        required=False,
        max_length=100,
        widget=forms.SearchInput,
    )
    confirmed = forms.ChoiceField(
        label=gettext_lazy("Confirmed a signature"), choices=ANSWERS, required=False
    )
    updates = forms.ChoiceField(
        label=gettext_lazy("Wants updates"), choices=ANSWERS, required=False
    )
    petition = forms.ModelChoiceField(
        label=gettext_lazy("Signed the petition"),
        queryset=Petition.objects.none(),
        required=False,
        empty_label=gettext_lazy("Any"),
        error_messages={"invalid_choice": gettext_lazy("Choose one of your petitions.")},
    )

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["petition"]
        assert isinstance(field, forms.ModelChoiceField)  # for mypy
        field.queryset = (
            Petition.objects.for_organisation(organisation).only("id", "title").order_by("title")
        )

    def answer(self, name: str) -> bool | None:
        """True, False, or None for "any" (call after is_valid)."""
        return {"yes": True, "no": False}.get(self.cleaned_data.get(name) or "")


@require_GET
@never_cache
@staff_view("supporters.read")
def staff_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = SupporterFilterForm(request.GET, organisation=membership.organisation)
    # A bad field shows its message; the valid ones still filter (cleaned_data keeps them).
    form.is_valid()
    data = form.cleaned_data
    supporters = search.search_supporters(
        membership.organisation,
        query=data.get("q") or "",
        confirmed=form.answer("confirmed"),
        updates=form.answer("updates"),
        petition=data.get("petition"),
    )
    page = Paginator(supporters, PAGE_SIZE).get_page(request.GET.get("page"))
    filtered = any(request.GET.get(name) for name in form.fields)
    return render(
        request,
        "supporters/staff_list.html",
        {
            "form": form,
            "page": page,
            "filtered": filtered,
            "can_export": membership.can("supporters.export"),
        },
    )


@require_GET
@never_cache
@staff_view("supporters.read")
def staff_detail(request: HttpRequest, membership: Membership, supporter_id: int) -> HttpResponse:
    supporter = access_supporter(membership, supporter_id)
    reach = search.reach_of(supporter)
    return render(
        request,
        "supporters/staff_detail.html",
        {
            "supporter": supporter,
            "signatures": search.supporter_signatures(supporter),
            "consents": search.consent_history(supporter),
            "wants_updates": services.standing_updates_consent(supporter),
            "reach": reach,
            # A Counter answers 0 to any template lookup, so hand the template plain pairs.
            "channels": reach.channels.most_common(),
            "can_export": membership.can("supporters.export"),
            "can_erase": membership.can("supporters.erase"),
        },
    )


@require_http_methods(["GET", "POST"])
@never_cache
@staff_view("supporters.erase")
def staff_erase(request: HttpRequest, membership: Membership, supporter_id: int) -> HttpResponse:
    """GET asks for confirmation; POST erases. Without JavaScript, the page is the dialog."""
    supporter = access_supporter(membership, supporter_id)
    if request.method == "POST":
        if erase_supporter(membership, supporter):
            messages.success(
                request,
                _(
                    "Supporter #%(id)s is erased. Their signatures still count, anonymously, "
                    "and the address can sign again as a new supporter."
                )
                % {"id": supporter.pk},
            )
        else:
            messages.info(request, _("This supporter was already erased; nothing changed."))
        return redirect(
            "supporters:staff_detail", org=membership.organisation.slug, supporter_id=supporter.pk
        )
    return render(
        request,
        "supporters/staff_erase.html",
        {"supporter": supporter, "signature_count": supporter.signatures.count()},
    )


class _Echo:
    """csv.writer wants a file; this one hands each line back to be streamed."""

    def write(self, value: str) -> str:
        return value


@require_GET
@never_cache
@staff_view("supporters.export")
def export_csv(request: HttpRequest, membership: Membership) -> HttpResponse:
    _count, rows = export.export_supporters(membership)
    writer = csv.writer(_Echo())

    def lines() -> Any:
        # The byte-order mark tells Excel the file is UTF-8, so accented names survive.
        yield "\ufeff" + writer.writerow(export.EXPORT_COLUMNS)
        for row in rows:
            yield writer.writerow([csv_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    filename = f"supporters-{membership.organisation.slug}-{timezone.now():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # staff_view types its views as returning HttpResponse; a streaming one serves as well.
    return cast(HttpResponse, response)


@require_GET
@never_cache
@staff_view("supporters.export")
def export_json(request: HttpRequest, membership: Membership, supporter_id: int) -> HttpResponse:
    supporter = access_supporter(membership, supporter_id)
    data = export_supporter_data(membership, supporter)
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="supporter-{supporter.pk}.json"'
    return response
