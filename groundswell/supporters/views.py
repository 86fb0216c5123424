from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from . import links, services
from .models import Supporter


def supporter_from_page_token(token: str) -> Supporter:
    """The holder of a private-page link, erased or not; 404 for a link we never made."""
    try:
        supporter_id = links.read_supporter_page_token(token)
    except links.LinkError:
        raise Http404 from None
    supporter = Supporter.objects.select_related("organisation").filter(pk=supporter_id).first()
    if supporter is None:
        raise Http404
    return supporter


def erased_link(request: HttpRequest) -> HttpResponse:
    """The answer to any emailed link of a person whose data was erased.

    410 rather than 404: the link was genuine, and saying so (without saying whose it was)
    spares the person wondering whether they mistyped it.
    """
    return render(request, "supporters/link_erased.html", status=410)


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
    if supporter.erased_at:
        return erased_link(request)
    done = False
    if request.method == "POST":
        services.withdraw_updates(supporter)
        done = True
    return render(
        request,
        "supporters/unsubscribe.html",
        {"organisation": supporter.organisation, "done": done},
    )
