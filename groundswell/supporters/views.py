from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from . import links, services
from .access import supporter_from_page_token
from .erasure import erase_supporter
from .models import Supporter
from .subject_access import export_own_data


def token_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For pages reached through a signed link in an email (the token is in the path).

    `same-origin` keeps the token out of the Referer sent to other sites while forms on the
    page still POST with a real Origin: under `no-referrer` Chromium sends `Origin: null`,
    and Django's CSRF check refuses the form. Set here, not only site-wide, so a different
    site setting cannot bring either problem back. Never cached: the page is one person's.
    """

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Robots-Tag"] = "noindex"
        add_never_cache_headers(response)
        return response

    return wrapped


def erased_link(request: HttpRequest) -> HttpResponse:
    """The answer to any emailed link of a person whose data was erased.

    410 rather than 404: the link was genuine, and saying so (without saying whose it was)
    spares the person wondering whether they mistyped it.
    """
    return render(request, "supporters/link_erased.html", status=410)


# Exempt from CSRF: mail apps send the RFC 8058 one-click POST without any cookie, and the
# signed link is the proof that the request comes from the mailbox's owner.
@csrf_exempt
@token_page
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


@require_GET
@token_page
def own_data(request: HttpRequest, token: str) -> HttpResponse:
    """Everything held about the person, as a JSON download (the staff subject-access export)."""
    supporter = supporter_from_page_token(token)
    if supporter.erased_at:
        return erased_link(request)
    data = export_own_data(supporter)
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    filename = f"my-data-{supporter.organisation.slug}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_http_methods(["GET", "POST"])
@token_page
def erase_self(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks for confirmation (a link scanner must not erase anyone); POST erases."""
    supporter = supporter_from_page_token(token)
    if supporter.erased_at:
        return erased_link(request)
    organisation = supporter.organisation
    if request.method == "POST":
        erase_supporter(None, supporter)
        return render(request, "supporters/erase_self_done.html", {"organisation": organisation})
    return render(
        request,
        "supporters/erase_self.html",
        {
            "organisation": organisation,
            "supporter": supporter,
            "token": token,
            "signature_count": supporter.signatures.count(),
        },
    )
