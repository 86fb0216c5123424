"""A short-lived, per-process cache of public pages for anonymous readers.

When a campaign goes viral, tens of thousands of people load the same page, mostly through
share links that differ only in their `ref`/`ch` query string. Rendering it each time costs
far more than sending it, so anonymous GETs get a copy at most a few seconds old (the live
count on it is itself recomputed every couple of seconds). Anything personal (signed-in
staff, a pending message) bypasses the cache, and the referral values are written into the
cached copy per request, so one copy serves every share link. A copy is HTML for browsers: a
request that prefers JSON (an ActivityPub server negotiating for a page's twin, as decided by
lib/accept.py) always goes to Django, and every copy says `Vary: Accept`.

Two layers share one store. `public_page` decorates the view: it renders the shared copy
when there is none (or it is stale) and answers from it inside Django. `front` wraps the
WSGI application: once it has seen the headers Django's middleware put on a copy, it answers
later readers of that copy itself, before the middleware and URL resolver run at all, which
is most of the cost of a cached page (see docs/performance.md).

Every reply of a page the view marked with `analytics.mark_page` is counted as a page view
(lib/analytics.py: in memory, no cookie, nothing about the reader), from the copy too.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.html import escape
from django.utils.translation import get_language, get_language_from_request

from groundswell.lib import analytics
from groundswell.lib.accept import wants_activity_json

# A reader sees a count at most about this plus the recount interval (1 s) old.
SECONDS = 1.0
MAX_ENTRIES = 2000
# Query parameters that change the page only through the referral fields.
REFERRAL_PARAMETERS = frozenset({"ref", "ch"})
# Query parameters that change nothing on the page: one copy serves every value (they are
# read per reply, by the referral fields and the page-view count).
IGNORED_PARAMETERS = REFERRAL_PARAMETERS | frozenset(
    {"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"}
)
# Where the view tells the WSGI front which copy this response was (environ is request.META).
COPY_KEY = "groundswell.pagecache.key"
# Headers each reply gets anew rather than from the copy.
PER_REPLY = frozenset({"content-length", "content-type", "set-cookie", "cache-control"})

Referral = Callable[[HttpRequest], dict[str, str]]
Finish = Callable[[HttpRequest, HttpResponse], HttpResponse]


@dataclass
class Copy:
    expires: float
    content: bytes
    content_type: str
    referral: Referral | None
    finish: Finish | None
    # The headers Django's middleware added to this page, learnt by `front` from a reply.
    headers: list[tuple[str, str]] | None = None
    # What a view of this page counts for (analytics.mark_page), if anything.
    page: analytics.Dims | None = None

    def reply(self, request: HttpRequest, *, with_headers: bool) -> HttpResponse:
        values = self.referral(request) if self.referral else {}
        response = HttpResponse(fill_referral(self.content, values), content_type=self.content_type)
        if with_headers:
            for name, value in self.headers or ():
                response[name] = value
        # The copy is what browsers get; a server asking for JSON at the same address gets
        # something else (see cacheable), so no cache in between may hand this to it.
        patch_vary_headers(response, ["Accept"])
        response["Cache-Control"] = f"public, max-age={int(SECONDS)}"
        analytics.page_view(request, self.page)
        return self.finish(request, response) if self.finish else response


_entries: dict[tuple[Any, ...], Copy] = {}


def cacheable(request: HttpRequest, *, at_the_view: bool = False) -> bool:
    """Whether the shared copy may answer `request`.

    A copy is the HTML page. In front of Django a request that prefers ActivityPub JSON goes
    on to Django, whose page negotiation answers it with the page's twin if it has one. One
    that reaches the page's own view (`at_the_view`) was not taken for a twin, so the page is
    its answer: it gets the copy rather than a page rendered afresh for it alone.
    """
    return (
        request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and (at_the_view or not wants_activity_json(request))
    )


def cache_key(request: HttpRequest, language: str) -> tuple[Any, ...]:
    # The raw Host header: a copy exists only for a host Django has already accepted.
    query = tuple(sorted((k, v) for k, v in request.GET.items() if k not in IGNORED_PARAMETERS))
    return (request.scheme, request.META.get("HTTP_HOST", ""), request.path, query, language)


def clear() -> None:
    _entries.clear()


def fill_referral(content: bytes, values: dict[str, str]) -> bytes:
    """Write referral values into the empty hidden fields of a cached page."""
    for name, value in values.items():
        if value:
            content = content.replace(
                f'name="{name}" value=""'.encode(),
                f'name="{name}" value="{escape(value)}"'.encode(),
            )
    return content


def rendering_for_cache(request: HttpRequest) -> bool:
    """True while a view renders the shared copy: it must leave personal fields empty."""
    return getattr(request, "render_for_cache", False)


def public_page(
    referral: Referral | None = None, finish: Finish | None = None
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Cache a public view for anonymous readers.

    `referral(request)` gives the values written into the hidden fields of each copy, and
    `finish(request, response)` may add per-reader headers or cookies to it.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not cacheable(request, at_the_view=True):
                response = view(request, *args, **kwargs)
                if response.status_code == 200:
                    analytics.viewed(request)
                return response
            key = cache_key(request, get_language())
            now = time.monotonic()
            copy = _entries.get(key)
            if copy is None or copy.expires < now:
                response = _render_shared(view, request, *args, **kwargs)
                if response.status_code != 200 or response.cookies or response.streaming:
                    return response
                if len(_entries) >= MAX_ENTRIES:
                    _entries.clear()
                copy = Copy(
                    now + SECONDS,
                    response.content,
                    response["Content-Type"],
                    referral,
                    finish,
                    page=analytics.marked_page(request),
                )
                _entries[key] = copy
            request.META[COPY_KEY] = key
            return copy.reply(request, with_headers=False)

        return wrapper

    return decorate


def _render_shared(
    view: Callable[..., HttpResponse], request: HttpRequest, *args: Any, **kwargs: Any
) -> HttpResponse:
    """Render the copy everyone shares: as if the reader had come without a referral.

    The referral parameters are hidden from the view and the templates while it renders
    (a link back to this page, such as the language form's, must not carry this reader's
    share token to the next reader), and put back afterwards for this reader's own reply.
    """
    query, query_string = request.GET, request.META.get("QUERY_STRING", "")
    shared = query.copy()
    for name in IGNORED_PARAMETERS:
        shared.pop(name, None)
    request.GET, request.META["QUERY_STRING"] = shared, shared.urlencode()  # type: ignore[assignment]
    request.render_for_cache = True  # type: ignore[attr-defined]
    try:
        return view(request, *args, **kwargs)
    finally:
        request.render_for_cache = False  # type: ignore[attr-defined]
        request.GET, request.META["QUERY_STRING"] = query, query_string


WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def front(app: WSGIApp) -> WSGIApp:
    """Wrap the WSGI application: answer fresh, fully known copies before Django runs."""

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if _entries and environ.get("REQUEST_METHOD") == "GET":
            try:
                served = _serve(environ, start_response)
            except Exception:  # noqa: BLE001 - a malformed request: Django answers it with its 4xx
                served = None
            if served is not None:
                return served
        seen: list[Any] = []

        def remember(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            seen[:] = [status, headers]
            return start_response(status, headers, *exc_info)

        body = app(environ, remember)
        key = environ.get(COPY_KEY)
        if key is not None and seen and seen[0].startswith("200"):
            copy = _entries.get(key)
            if copy is not None and copy.headers is None:
                copy.headers = [(k, v) for k, v in seen[1] if k.lower() not in PER_REPLY]
        return body

    return application


def _serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes] | None:
    request = WSGIRequest(environ)
    if not cacheable(request):
        return None
    # LocaleMiddleware picks the language the same way (no language prefixes in our URLs).
    copy = _entries.get(cache_key(request, get_language_from_request(request)))
    if copy is None or copy.headers is None or copy.expires < time.monotonic():
        return None
    response = copy.reply(request, with_headers=True)
    response["Content-Length"] = str(len(response.content))
    headers = [
        *response.items(),
        *(("Set-Cookie", cookie.OutputString()) for cookie in response.cookies.values()),
    ]
    start_response("200 OK", headers)
    return [response.content]
