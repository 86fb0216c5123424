"""Credentials never follow a redirect to another origin (scheme, host and port)."""

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from groundswell import testing
from groundswell.lib import http
from groundswell.testing import LocalWebServer


def _headers_seen(server: LocalWebServer, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, str]]:
    seen: list[dict[str, str]] = []
    handler = server.server.RequestHandlerClass
    # The stubs see a handler factory; the test server's handler class defines do_GET.
    answer = handler.do_GET  # type: ignore[attr-defined]

    def do_get(self: BaseHTTPRequestHandler) -> None:
        seen.append({key.lower(): value for key, value in self.headers.items()})
        answer(self)

    monkeypatch.setattr(handler, "do_GET", do_get)
    return seen


@pytest.fixture
def other_server() -> Iterator[LocalWebServer]:
    server = LocalWebServer()
    yield server
    server.stop()


CREDENTIALS = {"Authorization": "Bearer secret-token", "Cookie": "session=abc"}


def test_a_redirect_to_another_port_drops_the_authorization_and_cookie(
    web_server: testing.LocalWebServer,
    other_server: LocalWebServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert web_server.url("/") != other_server.url("/")
    web_server.routes["/go"] = (302, {"Location": other_server.url("/land")}, b"")
    other_server.routes["/land"] = (200, {}, b"landed")
    first, second = _headers_seen(web_server, monkeypatch), _headers_seen(other_server, monkeypatch)

    response = http.get(web_server.url("/go"), headers={**CREDENTIALS, "Accept": "text/plain"})

    assert response.content == b"landed"
    assert first[0]["authorization"] == "Bearer secret-token"
    assert first[0]["cookie"] == "session=abc"
    (landed,) = second
    assert "authorization" not in landed
    assert "cookie" not in landed
    assert landed["accept"] == "text/plain"
    assert landed["user-agent"] == http.user_agent()


def test_a_redirect_back_to_the_same_server_keeps_the_credentials(
    web_server: testing.LocalWebServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    web_server.routes["/go"] = (301, {"Location": "/land"}, b"")
    web_server.routes["/land"] = (200, {}, b"landed")
    seen = _headers_seen(web_server, monkeypatch)

    http.get(web_server.url("/go"), headers=CREDENTIALS)

    assert [headers["authorization"] for headers in seen] == ["Bearer secret-token"] * 2


def test_credentials_dropped_once_stay_dropped_when_redirected_back(
    web_server: testing.LocalWebServer,
    other_server: LocalWebServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    web_server.routes["/go"] = (302, {"Location": other_server.url("/bounce")}, b"")
    other_server.routes["/bounce"] = (302, {"Location": web_server.url("/land")}, b"")
    web_server.routes["/land"] = (200, {}, b"landed")
    seen = _headers_seen(web_server, monkeypatch)

    http.get(web_server.url("/go"), headers=CREDENTIALS)

    assert "authorization" not in seen[-1]


def test_a_malformed_redirect_address_is_a_fetch_error(web_server: testing.LocalWebServer) -> None:
    web_server.routes["/go"] = (302, {"Location": "http://[not-an-address/"}, b"")
    with pytest.raises(http.FetchError, match="malformed"):
        http.get(web_server.url("/go"))
