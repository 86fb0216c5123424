"""The public half: "report this" on anything shown from the public. No account needed."""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from groundswell.accounts.models import Organisation

from . import services
from .access import shown_item
from .forms import ReportForm
from .limits import within_report_rate
from .models import ModerationItem

LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")


def reporter_language(request: HttpRequest) -> str:
    """The language the reporter reads first, as their browser says (Accept-Language),
    else the page's: we keep every public submitter's language, never guessing from words."""
    header = str(request.META.get("HTTP_ACCEPT_LANGUAGE", ""))
    first = header.split(",", 1)[0].split(";", 1)[0].strip()
    if first and len(first) <= 35 and LANGUAGE_TAG.match(first):
        return first
    return get_language() or ""


def _page(
    request: HttpRequest, item: ModerationItem, form: ReportForm, *, status: int
) -> HttpResponse:
    context = {"organisation": item.organisation, "item": item, "form": form}
    return render(request, "moderation/report.html", context, status=status)


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, org_slug: str, item_id: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation.objects.public(), slug=org_slug)
    item = shown_item(organisation, item_id)
    if request.method != "POST":
        return _page(request, item, ReportForm(), status=200)
    form = ReportForm(request.POST)
    # Counted before validation: a flood of bad reports is a flood all the same.
    if not within_report_rate(request):
        form.is_valid()
        form.add_error(
            None,
            _("Too many reports from your connection in the last hour. Please try again later."),
        )
        return _page(request, item, form, status=429)
    if not form.is_valid():
        return _page(request, item, form, status=400)
    services.report(item, form.cleaned_data["reason"], language=reporter_language(request))
    return HttpResponseRedirect(reverse("moderation:reported", args=[organisation.slug]))


def reported(request: HttpRequest, org_slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation.objects.public(), slug=org_slug)
    return render(request, "moderation/reported.html", {"organisation": organisation})
