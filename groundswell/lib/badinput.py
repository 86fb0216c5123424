"""Answers for requests no page can serve: a clear 400 instead of a database error.

PostgreSQL refuses to store or even compare text holding a NUL character, so a `%00`
anywhere in an address would reach a query as an error (a 500) in whichever view read it.
No page of ours takes a NUL, so it is refused once, here, before any view runs.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

# The largest id a database row can have (a signed 64-bit integer on both databases).
MAX_ID = 2**63 - 1


def parse_id(value: str) -> int | None:
    """A row id from text a person could have typed, or None when it cannot be one.

    Only ASCII digits: str.isdigit() is True for "²" (which int() refuses) and for
    Arabic-Indic digits (which int() reads); SQLite raises OverflowError for a number past
    64 bits, PostgreSQL an out-of-range error. Each of those was a 500 somewhere.
    """
    if not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def query_id(request: HttpRequest, name: str) -> int | None:
    """A row id from the query string, or None when it cannot be one."""
    return parse_id(request.GET.get(name, ""))


def posted_id(request: HttpRequest, name: str) -> int | None:
    """A row id from a submitted form, or None when it cannot be one."""
    return parse_id(request.POST.get(name, ""))


def bad_request(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "400.html", {"message": message}, status=400)


# Machine endpoints (the JSON API, WebFinger, NodeInfo, ActivityPub) answer their clients in
# JSON, as their own views do: a program reads {"error": ...}, not an HTML page.
MACHINE_PREFIXES = ("/api/", "/.well-known/", "/nodeinfo/", "/ap/")


def refuse_nul(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[..., HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        # A NUL reaches a query string only as %00 (or raw): no parsing on the usual path.
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path_info or "%00" in query or "\x00" in query:
            message = _("The address contains a NUL character (%00), which no page uses.")
            if request.path_info.startswith(MACHINE_PREFIXES):
                return JsonResponse({"error": message}, status=400)
            return bad_request(request, message)
        return get_response(request)

    return middleware
