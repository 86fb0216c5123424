from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language as django_set_language
from django.views.static import serve

from groundswell.accounts.models import Organisation
from groundswell.campaigns.models import Campaign
from groundswell.lib import analytics
from groundswell.lib.media import MEDIA_MAX_AGE
from groundswell.stories.models import Story


def index(request: HttpRequest) -> HttpResponse:
    organisations = Organisation.objects.public().order_by("name")
    return render(request, "hub/index.html", {"organisations": organisations})


def organisation(request: HttpRequest, org_slug: str) -> HttpResponse:
    found = get_object_or_404(Organisation.objects.public(), slug=org_slug)
    stories = Story.objects.published().filter(organisation=found)
    page = Paginator(stories, 12).get_page(request.GET.get("page"))
    context = {
        "organisation": found,
        "campaigns": Campaign.objects.live().filter(organisation=found),
        "page": page,
    }
    analytics.mark_page(request, analytics.Dims(found.pk))
    response = render(request, "hub/organisation.html", context)
    analytics.viewed(request)
    return response


def robots(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /staff/",
        "Disallow: /accounts/",
        "Disallow: /admin/",
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


def media(request: HttpRequest, path: str) -> HttpResponseBase:
    # MEDIA_ROOT is read per request (tests change it), not when the URLs load.
    response = serve(request, path, document_root=str(settings.MEDIA_ROOT))
    response["Cache-Control"] = f"public, max-age={MEDIA_MAX_AGE}"  # as lib.media.front says
    return response


# Choosing a language changes nothing but a cookie, so a forged request can do no harm;
# without the CSRF token the public pages carry nothing personal and can be cached.
set_language = csrf_exempt(django_set_language)
