"""Finding everything a stranger can POST to, from the URL resolver and the pages themselves.

Every URL pattern is filled with the cast's real objects and asked, anonymously, a GET and
an empty POST. A URL takes POST from the public when its view is exempt from CSRF (it is
meant for other servers and mail apps), reads the body, is the target of a form on one of
the public pages, or answers a POST otherwise than a GET. A page that redirects is followed
as one visitor, and the forms it leads to are sent bad input with that visitor's session
(choosing a new password after a reset link); a page the cast gives cookies for is visited
with them (the code step of a sign-in, shown only to the session it waits for). Each such
URL then gets its driver: the form found for it, the OpenAPI operation that describes it,
the inbox named in an actor document, or, for anything else (a webhook added later), raw
bodies of every kind.

A public URL that cannot be reached with real objects (a parameter the cast knows nothing
of, or a 404 even so) is reported by name: it would otherwise be skipped in silence.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from django.db import transaction
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.converters import IntConverter, UUIDConverter
from django.urls.exceptions import Resolver404

from .bad_input_cast import Cast
from .bad_input_html import Form, read

ACTIVITY_JSON = "application/activity+json"
# URLs that answer 404 to every request by design; each says why.
ALWAYS_NOT_FOUND = {
    # django-ninja's root of the API: it only lets ninja reverse its own prefix, and
    # raises Http404 for any request (its docs page, which it would point to, is off).
    "api:osdi:api-root",
}


@dataclass
class Route:
    name: str  # "namespace:name"
    parameters: list[str]
    placeholders: dict[str, str]


@dataclass
class Target:
    """One URL to send bad input to, and how."""

    kind: str  # "form", "api", "inbox" or "raw"
    url: str
    name: str
    form: Form | None = None
    operation: dict[str, Any] = field(default_factory=dict)
    method: str = "POST"
    values: dict[str, str] = field(default_factory=dict)  # the URL's parameters
    cookies: dict[str, str] = field(default_factory=dict)  # the session a form needs


@dataclass
class Discovery:
    targets: list[Target] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)
    public_posts: dict[str, str] = field(default_factory=dict)  # url: why it counts


def _placeholder(converter: Any) -> str:
    if isinstance(converter, IntConverter):
        return "1"
    if isinstance(converter, UUIDConverter):
        return "00000000-0000-0000-0000-000000000000"
    return "x"


def routes(resolver: URLResolver | None = None, namespace: str = "") -> list[Route]:
    found: list[Route] = []
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += routes(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            pattern = entry.pattern
            converters = getattr(pattern, "converters", {})
            names = list(pattern.regex.groupindex)
            placeholders = {name: _placeholder(converters.get(name)) for name in names}
            found.append(Route(f"{namespace}{entry.name}", names, placeholders))
    return found


def fill(route: Route, cast: Cast) -> tuple[str | None, list[str]]:
    """The route's URL with the cast's objects; the parameters the cast had no value for."""
    values, missing = real_values(route, cast)
    try:
        return reverse(route.name, kwargs=values), missing
    except NoReverseMatch:
        return None, missing


def real_values(route: Route, cast: Cast) -> tuple[dict[str, str], list[str]]:
    values, missing = {}, []
    for parameter in route.parameters:
        value = cast.value(route.name, parameter)
        if value is None:
            missing.append(parameter)
            value = route.placeholders[parameter]
        values[parameter] = value
    return values, missing


def _visitor(cookies: dict[str, str]) -> Client:
    """A client carrying the cast's cookies for a page only some visitors see (its session)."""
    visitor = Client(raise_request_exception=False)
    for name, value in cookies.items():
        visitor.cookies[name] = value
    return visitor


def _rolled_back(client: Client, method: str, url: str) -> Any:
    """An anonymous request whose effects are undone: an empty POST may erase someone."""
    with transaction.atomic():
        response = client.get(url) if method == "GET" else client.post(url, {})
        transaction.set_rollback(True)
    return response


def _to_login(response: Any) -> bool:
    location = response.get("Location", "") if response.status_code in (301, 302) else ""
    login = reverse("accounts:login")
    return location.startswith((login, "/admin/login/"))


def _outline(response: Any) -> tuple[int, str, tuple[str, ...]]:
    """What tells two answers apart for a reader: status, where it sends them, headings."""
    content_type = response.get("Content-Type", "")
    headings: tuple[str, ...] = ()
    if content_type.startswith("text/html") and not response.streaming:
        headings = tuple(read(response.content.decode(errors="replace")).headings)
    return response.status_code, response.get("Location", ""), headings


def _forms(pages: dict[str, tuple[Any, dict[str, str]]]) -> dict[str, tuple[Form, dict[str, str]]]:
    """Every POST form on the public pages, by the path it posts to (the fullest one kept),
    with the cookies of the visit that showed it."""
    found: dict[str, tuple[Form, dict[str, str]]] = {}
    for url, (response, cookies) in pages.items():
        for form in read(response.content.decode(errors="replace")).forms:
            target = urlsplit(urljoin(url, form.action or url)).path
            if target not in found or len(form.fields) > len(found[target][0].fields):
                found[target] = (form, cookies)
    return found


def _followed(url: str) -> tuple[str, Any, dict[str, str]] | None:
    """Where a page that redirects leads, visited as one person (some forms, like choosing
    a new password, show only to the session the redirect began)."""
    visitor = Client(raise_request_exception=False)
    response = visitor.get(url, follow=True)
    if response.status_code != 200 or not response.redirect_chain:
        return None
    cookies = {name: morsel.value for name, morsel in visitor.cookies.items()}
    return response.wsgi_request.path, response, cookies


def _inboxes(client: Client, cast: Cast) -> set[str]:
    """The inboxes the actor documents name: the instance's, each organisation's, shared."""
    found: set[str] = set()
    for actor in (reverse("federation:instance_actor"), fill(_route("federation:actor"), cast)[0]):
        response = client.get(actor or "", headers={"Accept": ACTIVITY_JSON})
        if response.status_code != 200:
            continue
        document = response.json()
        for address in (document.get("inbox"), document.get("endpoints", {}).get("sharedInbox")):
            if isinstance(address, str):
                found.add(urlsplit(address).path)
    return found


def _route(name: str) -> Route:
    return next(route for route in routes() if route.name == name)


def _operations(client: Client) -> list[tuple[str, str, dict[str, Any]]]:
    """Each (method, path template, operation) of the API's OpenAPI schema."""
    schema_url = reverse("api:osdi:openapi-json")
    schema = client.get(schema_url).json()
    found = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            found.append((method.upper(), path, operation))
    return found


def _api_url(template: str, cast: Cast) -> tuple[str, dict[str, str], list[str]]:
    values: dict[str, str] = {}
    missing: list[str] = []

    def value(match: re.Match[str]) -> str:
        found = cast.by_parameter.get(match[1])
        if found is None:
            missing.append(match[1])
            return "1"
        values[match[1]] = found
        return found

    return re.sub(r"\{(?:\w+:)?(\w+)\}", value, template), values, missing


def discover(cast: Cast) -> Discovery:
    client = Client(raise_request_exception=False)
    found = Discovery()
    pages: dict[str, tuple[Any, dict[str, str]]] = {}
    answered: dict[str, tuple[Route, Any, Any, list[str]]] = {}
    values: dict[str, dict[str, str]] = {}
    for route in routes():
        url, missing = fill(route, cast)
        if url is None:
            found.unreachable.append(f"{route.name}: no URL can be made for it")
            continue
        cookies = cast.cookies.get(route.name, {})
        visitor = _visitor(cookies) if cookies else client
        get, post = _rolled_back(visitor, "GET", url), _rolled_back(visitor, "POST", url)
        if get.status_code == 200 and get.get("Content-Type", "").startswith("text/html"):
            pages[url] = (get, cookies)
        elif get.status_code in (301, 302, 303) and get["Location"].startswith("/"):
            followed = _followed(url)
            if followed is not None:
                pages[followed[0]] = followed[1:]
        answered[url] = (route, get, post, missing)
        values[url] = real_values(route, cast)[0]
    forms = _forms(pages)
    inboxes = _inboxes(client, cast)
    api_paths: dict[str, tuple[str, dict[str, Any]]] = {}
    for method, template, operation in _operations(client):
        url, api_values, missing = _api_url(template, cast)
        if missing:
            found.unreachable.append(f"API {method} {template}: no value for {missing}")
            continue
        api_paths[url] = (method, operation)
        name = operation["operationId"]
        found.targets.append(Target("api", url, name, None, operation, method, api_values))
    for url, (route, get, post, missing) in answered.items():
        if post.status_code in (403, 405) or _to_login(post):
            continue  # not for the public, or not for POST
        if route.name in ALWAYS_NOT_FOUND and post.status_code == 404:
            continue
        if missing or post.status_code in (404, 410):
            lacking = f"no value for {missing}" if missing else f"a {post.status_code} even so"
            found.unreachable.append(f"{route.name} ({url}): {lacking}")
            continue
        why = _takes_posts(get, post, url in forms)
        if why is None:
            continue
        found.public_posts[url] = why
        if url in forms:
            form, cookies = forms.pop(url)
            found.targets.append(
                Target("form", url, route.name, form, values=values[url], cookies=cookies)
            )
        elif url in inboxes:
            found.targets.append(Target("inbox", url, route.name, values=values[url]))
        elif url not in api_paths:
            found.targets.append(Target("raw", url, route.name, values=values[url]))
    found.targets += _other_forms(forms, {target.url for target in found.targets})
    return found


def _other_forms(forms: dict[str, tuple[Form, dict[str, str]]], known: set[str]) -> list[Target]:
    """Forms posting to a URL the cast did not fill in (a session's own step, say)."""
    targets = []
    for path, (form, cookies) in forms.items():
        if path in known:
            continue
        try:
            match = resolve(path)
        except Resolver404:
            continue  # a form posting off the site, or nowhere: nothing of ours to test
        # No values to spoil: the parameters here are the step's own (Django's literal
        # "set-password"), not objects of the cast.
        name = f"{match.view_name} at {path}"
        targets.append(Target("form", path, name, form, cookies=cookies))
    return targets


def _takes_posts(get: Any, post: Any, has_form: bool) -> str | None:
    """Why a URL counts as taking POST from the public, or None when it does not."""
    request = post.wsgi_request
    try:
        view = resolve(request.path_info).func
    except Resolver404:
        return None
    if getattr(view, "csrf_exempt", False):
        return "exempt from CSRF"
    if hasattr(request, "_post") or getattr(request, "_read_started", False):
        return "reads the body"
    if has_form:
        return "a public page has a form for it"
    if _outline(get) != _outline(post):
        return "answers a POST otherwise than a GET"
    return None


def describe(discovery: Discovery) -> str:
    return json.dumps(
        {
            "targets": [f"{t.kind} {t.method} {t.url}" for t in discovery.targets],
            "public_posts": discovery.public_posts,
        },
        indent=1,
    )
