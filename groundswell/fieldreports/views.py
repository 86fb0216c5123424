"""The public's pages: the report form (no JavaScript needed, no account, no cookie), the
page after it, and the published reports as a list, a map, GeoJSON and CSV."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from groundswell.campaigns.models import Campaign
from groundswell.lib import ratelimit
from groundswell.lib.media import private_response

from . import mapsvg, published, services
from .access import public_organisation, published_report, reporting_campaign
from .forms import ReportForm
from .models import ReportArea
from .uploads import limit_uploads

# A person on the ground may send several reports in a row; a flood from one network is
# refused with the form kept (and the photo to choose again).
REPORTS_PER_HOUR = 10
HOUR = 3600


def _page(
    request: HttpRequest, campaign: Campaign, form: ReportForm, *, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "fieldreports/new.html",
        {
            "organisation": campaign.organisation,
            "campaign": campaign,
            "form": form,
            "photo_limit": filesizeformat(settings.MAX_IMAGE_UPLOAD_BYTES),
        },
        status=status,
    )


# Like signing, a report needs no account and sets no cookie: a forged cross-site
# submission could only add a report to the review queue, which every report goes through.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest, org_slug: str, campaign_slug: str) -> HttpResponse:
    campaign = reporting_campaign(org_slug, campaign_slug)
    areas = ReportArea.objects.filter(organisation=campaign.organisation)
    if request.method != "POST":
        return _page(request, campaign, ReportForm(areas=areas))
    limited = limit_uploads(request)
    form = ReportForm(request.POST, request.FILES, areas=areas)
    valid = form.is_valid()
    if limited.too_large:
        form.add_error(
            "photo",
            _(
                "The photo is larger than %(limit)s. Choose a smaller one, or send the "
                "report without it."
            )
            % {"limit": filesizeformat(settings.MAX_IMAGE_UPLOAD_BYTES)},
        )
        return _page(request, campaign, form, status=413)
    if not valid:
        return _page(request, campaign, form, status=400)
    if not ratelimit.hit(
        "fieldreport", ratelimit.client_network(request), limit=REPORTS_PER_HOUR, window=HOUR
    ):
        form.add_error(
            None,
            _(
                "Too many reports from your connection in the last hour. Please wait a while; "
                "what you typed is still here."
            ),
        )
        return _page(request, campaign, form, status=429)
    data = form.cleaned_data
    services.take_report(
        campaign,
        services.ReportRequest(
            title=data["title"],
            body=data["body"],
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            area=data.get("area"),
            photo=data.get("photo"),
            photo_alt=data.get("photo_alt", ""),
            language=get_language() or "",
            name=data.get("name", ""),
            email=data.get("email", ""),
            phone=data.get("phone", ""),
        ),
    )
    return HttpResponseRedirect(
        reverse("fieldreports:sent", args=[org_slug]) + f"?campaign={campaign.slug}"
    )


@require_GET
def sent(request: HttpRequest, org_slug: str) -> HttpResponse:
    organisation = public_organisation(org_slug)
    return render(request, "fieldreports/sent.html", {"organisation": organisation})


@require_GET
def report_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    organisation = public_organisation(org_slug)
    reports = published.reports_of(organisation, 200)
    return render(
        request,
        "fieldreports/list.html",
        {"organisation": organisation, "reports": reports},
    )


@require_GET
def geojson(request: HttpRequest, org_slug: str) -> HttpResponse:
    organisation = public_organisation(org_slug)
    body = json.dumps(published.geojson(organisation), ensure_ascii=False)
    return HttpResponse(body, content_type="application/geo+json")


@require_GET
def csv_file(request: HttpRequest, org_slug: str) -> HttpResponse:
    organisation = public_organisation(org_slug)
    response = HttpResponse(published.csv_text(organisation), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{organisation.slug}-reports.csv"'
    return response


@require_GET
def map_svg(request: HttpRequest, org_slug: str) -> HttpResponse:
    organisation = public_organisation(org_slug)
    title = _("Map of published reports — %(name)s") % {"name": organisation.name}
    svg = mapsvg.draw(published.geojson(organisation), title=title)
    return HttpResponse(svg, content_type="image/svg+xml")


@require_GET
def photo(request: HttpRequest, org_slug: str, report_id: int) -> HttpResponseBase:
    """A published report's photo. Served through Django, never copied to the public
    media folder: it is public exactly while the report is, with nothing to withdraw."""
    report = published_report(org_slug, report_id)
    return private_response(report.photo or None)


@require_GET
def photo_small(request: HttpRequest, org_slug: str, report_id: int) -> HttpResponseBase:
    report = published_report(org_slug, report_id)
    return private_response(report.photo_small or None)
