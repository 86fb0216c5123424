from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from . import links, services
from .models import Supporter


# Exempt from CSRF: mail apps send the RFC 8058 one-click POST without any cookie, and the
# signed link is the proof that the request comes from the mailbox's owner.
@csrf_exempt
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (link scanners must not unsubscribe people); POST unsubscribes."""
    try:
        supporter_id = links.read_unsubscribe_token(token)
    except links.LinkError:
        return render(request, "supporters/unsubscribe.html", {"invalid": True}, status=400)
    supporter = Supporter.objects.select_related("organisation").filter(pk=supporter_id).first()
    if supporter is None:
        return render(request, "supporters/unsubscribe.html", {"invalid": True}, status=404)
    done = False
    if request.method == "POST":
        services.withdraw_updates(supporter)
        done = True
    return render(
        request,
        "supporters/unsubscribe.html",
        {"organisation": supporter.organisation, "done": done},
    )
