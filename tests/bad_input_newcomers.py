"""A URL configuration with two public POST URLs the site does not have (yet).

tests/test_bad_input.py discovers over it to show that an endpoint added later is found
without editing the suite, or else named: a report form reached through a parameter the
cast knows, and a webhook whose parameter it does not.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from groundswell.urls import urlpatterns as site

FORM = (
    "<!doctype html><title>Report</title><h1>Report this</h1>"
    '<form method="post"><input name="reason" required maxlength="200"></form>'
)


def report(request: HttpRequest, org_slug: str) -> HttpResponse:
    if request.method == "POST" and not request.POST.get("reason"):
        return HttpResponse(FORM.replace("<h1>", "<p>Say why.</p><h1>"), status=400)
    return HttpResponse(FORM)


@csrf_exempt
def webhook(request: HttpRequest, provider: str) -> HttpResponse:
    return JsonResponse({"error": "not signed"}, status=400)


newcomers = [
    path("o/<slug:org_slug>/report-this/", report, name="report"),
    path("webhooks/<str:provider>/", webhook, name="webhook"),
]
urlpatterns = [path("", include((newcomers, "newcomers"))), *site]
