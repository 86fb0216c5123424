"""Whatever path or query a stranger (or a signed-in staff member) sends, no 5xx.

Every URL pattern of the site is walked from the resolver, so a page added later is covered
without touching this file: each of its parameters gets either a value that leads somewhere
real (alice's organisation, an existing id) or junk (non-Latin-1 text, NUL, huge numbers,
bad dates), and the query string gets junk under the names the views read.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.supporters.models import Supporter

PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
# What the views read today (grep request.GET), and a few names they might read tomorrow.
QUERY_NAMES = [
    "q", "start", "view", "page", "status", "state", "mine", "kind", "campaign", "petition",
    "ref", "ch", "next", "instance", "text", "url", "resource", "end", "id", "sort", "language",
]  # fmt: skip

junk_text = st.sampled_from(
    [
        "\x00",
        "a\x00b",
        "中",
        "%E4%B8%AD",
        "🙂",
        "\ud800",
        "99999999999999999999",
        "-1",
        "0",
        "9999-12-31",
        "0001-01-01",
        "0000-00-00",
        "2024-02-30",
        "1e309",
        "NaN",
        "' OR 1=1 --",
        "../../etc/passwd",
        "//evil.example/",
        "a" * 3000,
    ]
) | st.text(max_size=30)


def _patterns(resolvers: URLResolver | None = None, prefix: str = "") -> list[str]:
    found: list[str] = []
    for entry in (resolvers or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += _patterns(entry, route)
        elif isinstance(entry, URLPattern) and not route.startswith(("admin/", "^")):
            found.append(route)
    return found


ROUTES = sorted(set(_patterns()))


def _fill(route: str, draw: st.DrawFn, real: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match["name"]
        if name in real and draw(st.booleans()):
            return real[name]
        if match["converter"] == "int" and draw(st.booleans()):
            return draw(st.sampled_from(["99999999999999999999", "0", "1", str(2**63)]))
        text = draw(junk_text)
        return quote(text.encode("utf-8", "surrogatepass"), safe="") or "x"

    return "/" + PARAMETER.sub(value, route)


@st.composite
def requests(draw: st.DrawFn, real: dict[str, str]) -> tuple[str, str, str]:
    path = _fill(draw(st.sampled_from(ROUTES)), draw, real)
    names = draw(st.lists(st.sampled_from(QUERY_NAMES), max_size=3))
    query = [(name, draw(junk_text)) for name in names]
    encoded = urlencode([(k, v.encode("utf-8", "surrogatepass")) for k, v in query], doseq=False)
    return path, encoded, draw(st.sampled_from(["GET", "GET", "POST"]))


@pytest.fixture
def cast(owner: Membership, charlie: User) -> dict[str, str]:
    campaign = testing.make_campaign(owner)
    petition = testing.make_petition(owner, campaign)
    story = testing.make_story(owner, campaign=campaign)
    supporter = Supporter.objects.create(
        organisation=owner.organisation, email="rosa@example.net", given_name="Rosa"
    )
    return {
        "org": "alices",
        "org_slug": "alices",
        "slug": story.slug,
        "campaign_slug": campaign.slug,
        "petition_id": str(petition.pk),
        "campaign_id": str(campaign.pk),
        "story_id": str(story.pk),
        "supporter_id": str(supporter.pk),
    }


@settings(
    max_examples=800,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), signed_in=st.booleans())
def test_no_url_answers_junk_with_a_server_error(
    alice: User, cast: dict[str, str], data: st.DataObject, signed_in: bool
) -> None:
    path, query, method = data.draw(requests(cast))
    client = Client(raise_request_exception=False)
    if signed_in:
        client.force_login(alice)
    url = f"{path}?{query}" if query else path
    response = client.get(url) if method == "GET" else client.post(url, {})
    event(f"{method} {response.status_code}")
    assert response.status_code < 500, (method, url)


SWEEP = ["\x00", "中", "99999999999999999999", "9999-12-31", "0001-01-01", "-1", "\ud800"]


def _quoted(text: str) -> str:
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


@pytest.mark.parametrize("junk", SWEEP, ids=repr)
def test_every_url_answers_each_kind_of_junk_without_a_server_error(
    client: Client, alice: User, cast: dict[str, str], junk: str
) -> None:
    """The same junk everywhere at once: in each parameter the page does not look up
    (and then in every one), and under every query name, signed in as alice."""
    client.force_login(alice)
    query = urlencode([(name, junk.encode("utf-8", "surrogatepass")) for name in QUERY_NAMES])
    failures = []
    for route in ROUTES:
        for keep_real in (True, False):

            def fill(m: re.Match[str], real: bool = keep_real) -> str:
                return cast[m["name"]] if real and m["name"] in cast else _quoted(junk)

            path = "/" + PARAMETER.sub(fill, route)
            for method in ("GET", "POST"):
                url = f"{path}?{query}"
                response = client.get(url) if method == "GET" else client.post(url, {})
                if response.status_code >= 500:
                    failures.append((method, url[:200], response.status_code))
            client.force_login(alice)  # a POST to the sign-out page signs out
    assert not failures


@pytest.mark.parametrize(
    "path", ["/%E4%B8%AD/", "/o/%E4%B8%AD/", "/staff/%E4%B8%AD/", "/o/alices/stories/%E4%B8%AD/"]
)
def test_non_latin_paths_are_not_found_through_the_whole_wsgi_stack(
    db: None, org: Organisation, path: str
) -> None:
    """Through the application granian runs (the page-copy front included), with the path
    as a WSGI server hands it over: the raw bytes decoded as Latin-1."""
    from urllib.parse import unquote_to_bytes

    from django.test.client import RequestFactory

    from groundswell.wsgi import application

    raw = unquote_to_bytes(path).decode("latin-1")
    for _ in range(2):  # the second time the front has a copy of something to look up
        # A private method, absent from django-stubs: the environ a WSGI server hands over.
        environ = RequestFactory()._base_environ(  # type: ignore[attr-defined]
            PATH_INFO=raw, REQUEST_METHOD="GET"
        )
        seen: list[str] = []
        body = b"".join(application(environ, lambda status, *a, seen=seen: seen.append(status)))
        assert seen[0].startswith("404"), seen
        assert b"We could not find that page" in body
        b"".join(application({**environ, "PATH_INFO": "/"}, lambda *a: None))
