"""A short-lived, per-process cache of public pages for anonymous readers.

When a campaign goes viral, tens of thousands of people load the same page, mostly through
share links that differ only in their `ref`/`ch` query string. Rendering it each time costs
far more than sending it, so anonymous GETs get a copy at most a few seconds old (the live
count on it is itself recomputed every couple of seconds). Anything personal (signed-in
staff, a pending message) bypasses the cache, and the referral values are written into the
cached copy per request, so one copy serves every share link.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.html import escape
from django.utils.translation import get_language

SECONDS = 2.0
MAX_ENTRIES = 2000
# Query parameters that change the page only through the referral fields.
REFERRAL_PARAMETERS = frozenset({"ref", "ch"})

_entries: dict[tuple[Any, ...], tuple[float, bytes, str]] = {}


def cacheable(request: HttpRequest) -> bool:
    return (
        request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


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
    referral: Callable[[HttpRequest], dict[str, str]] | None = None,
    finish: Callable[[HttpRequest, HttpResponse], HttpResponse] | None = None,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Cache a public view for anonymous readers.

    `referral(request)` gives the values written into the hidden fields of each copy, and
    `finish(request, response)` may add per-reader headers or cookies to it.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not cacheable(request):
                return view(request, *args, **kwargs)
            query = tuple(
                sorted((k, v) for k, v in request.GET.items() if k not in REFERRAL_PARAMETERS)
            )
            key = (request.path, query, get_language())
            now = time.monotonic()
            entry = _entries.get(key)
            if entry is None or entry[0] < now:
                request.render_for_cache = True  # type: ignore[attr-defined]
                try:
                    response = view(request, *args, **kwargs)
                finally:
                    request.render_for_cache = False  # type: ignore[attr-defined]
                if response.status_code != 200 or response.cookies or response.streaming:
                    return response
                if len(_entries) >= MAX_ENTRIES:
                    _entries.clear()
                entry = (now + SECONDS, response.content, response["Content-Type"])
                _entries[key] = entry
            content = entry[1]
            values = referral(request) if referral else {}
            response = HttpResponse(fill_referral(content, values), content_type=entry[2])
            response["Cache-Control"] = f"public, max-age={int(SECONDS)}"
            return finish(request, response) if finish else response

        return wrapper

    return decorate
