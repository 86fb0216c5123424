"""The page the "confirm you want updates" link of an RSVP's email opens.

Kept apart from views.py (the RSVP's request path): it changes a consent, not an RSVP.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import services
from .access import own_attendance


# The token from the person's email is the proof, as on the cancel page; exempt, so the
# page sets no cookie.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def confirm_updates(request: HttpRequest, org_slug: str, token: str) -> HttpResponse:
    """GET shows the words they agreed to and a button, changing nothing (mail scanners
    follow links); POST confirms, then shows the same page saying so."""
    row = own_attendance(org_slug, token)
    if request.method == "POST":
        services.confirm_updates(row)
        return HttpResponseRedirect(reverse("events:confirm_updates", args=[org_slug, token]))
    event = row.event
    response = render(
        request,
        "events/confirm_updates.html",
        {
            "organisation": event.organisation,
            "event": event,
            "attendance": row,
            "wording": event.updates_wording.text,
            "asked": bool(row.updates_consent_id),
            "confirmed": services.updates_confirmed(row),
        },
    )
    response["Cache-Control"] = "no-store"
    return response
