import gzip
from typing import NoReturn

import pytest
from pytest_django.fixtures import Settings

from groundswell import testing
from groundswell.lib import http


def test_it_fetches_from_a_loopback_server_when_tests_allow_it(
    web_server: testing.LocalWebServer,
) -> None:
    web_server.routes["/hello"] = (200, {"Content-Type": "text/plain"}, b"hi")
    response = http.get(web_server.url("/hello"))
    assert (response.status, response.content) == (200, b"hi")


@pytest.mark.parametrize(
    "url",
    [
        "http://10.1.2.3/",
        "http://172.16.0.1/",
        "http://192.168.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:10.0.0.1]/",
        "http://[fd00::1]/",
        "http://0.0.0.0/",
        "http://100.64.0.1/",
    ],
)
def test_private_and_special_addresses_are_refused_before_connecting(url: str) -> None:
    with pytest.raises(http.BlockedAddress):
        http.get(url)


def test_loopback_is_refused_unless_allowed(
    web_server: testing.LocalWebServer, settings: Settings
) -> None:
    settings.HTTP_ALLOW_LOOPBACK = False
    with pytest.raises(http.BlockedAddress):
        http.get(web_server.url("/"))
    assert web_server.requests == []


def test_a_redirect_to_a_private_address_is_refused(web_server: testing.LocalWebServer) -> None:
    web_server.routes["/go"] = (302, {"Location": "http://10.0.0.1/secret"}, b"")
    with pytest.raises(http.BlockedAddress):
        http.get(web_server.url("/go"))


def test_redirects_are_followed_a_few_times_only(web_server: testing.LocalWebServer) -> None:
    web_server.routes["/loop"] = (302, {"Location": "/loop"}, b"")
    with pytest.raises(http.FetchError, match="too many redirects"):
        http.get(web_server.url("/loop"))


def test_bodies_over_the_limit_are_refused_even_when_compressed(
    web_server: testing.LocalWebServer,
) -> None:
    web_server.routes["/big"] = (200, {}, b"x" * 5000)
    with pytest.raises(http.FetchError, match="larger than allowed"):
        http.get(web_server.url("/big"), max_bytes=1000)
    bomb = gzip.compress(b"0" * 2_000_000)
    web_server.routes["/bomb"] = (200, {"Content-Encoding": "gzip"}, bomb)
    with pytest.raises(http.FetchError, match="larger than allowed"):
        http.get(web_server.url("/bomb"), max_bytes=100_000)


@pytest.mark.parametrize("url", ["ftp://example.org/x", "file:///etc/passwd", "http://"])
def test_only_http_urls_are_fetched(url: str) -> None:
    with pytest.raises(http.FetchError):
        http.get(url)


# --- the shape check a web request may make: no DNS lookup --------------------------------


@pytest.fixture
def no_dns(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every getaddrinfo call is recorded and fails, so a lookup cannot go unnoticed."""
    import socket

    asked: list[str] = []

    def getaddrinfo(host: str, *args: object, **kwargs: object) -> NoReturn:
        asked.append(host)
        raise socket.gaierror("no DNS in this test")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/",
        "http://127.0.0.1/",
        "http://[::1]/",
        "http://[::ffff:192.168.0.1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://2130706433/",
        "http://127.1/",
        "http://0x7f.0.0.1/",
        "http://localhost:8000/",
        "http://LOCALHOST./",
        "http://admin.localhost/",
        "http://printer.local/",
        "https://metadata.google.internal/",
    ],
)
def test_the_shape_check_refuses_local_addresses_and_names_without_a_lookup(
    url: str, no_dns: list[str], settings: Settings
) -> None:
    settings.HTTP_ALLOW_LOOPBACK = False
    with pytest.raises(http.BlockedAddress):
        http.check_url_shape(url)
    assert no_dns == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.org/", "only http and https"),
        ("http:///no-host", "only http and https"),
        ("http://example.org:99999/", "invalid port"),
        ("http://example.org:port/", "invalid port"),
    ],
)
def test_the_shape_check_refuses_what_cannot_be_fetched(
    url: str, message: str, no_dns: list[str]
) -> None:
    with pytest.raises(http.FetchError, match=message):
        http.check_url_shape(url)
    assert no_dns == []


def test_the_shape_check_lets_a_public_name_through_without_resolving_it(
    no_dns: list[str], settings: Settings
) -> None:
    settings.HTTP_ALLOW_LOOPBACK = False
    for url in ["https://example.org/a", "http://cafe.be:8080/", "https://local.example.org/"]:
        assert http.check_url_shape(url)[0] == url.split("/")[2].split(":")[0]
    assert no_dns == []


def test_the_shape_check_follows_the_loopback_setting(
    no_dns: list[str], settings: Settings
) -> None:
    settings.HTTP_ALLOW_LOOPBACK = True
    assert http.check_url_shape("http://127.0.0.1:8000/") == ("127.0.0.1", 8000)
    assert http.check_url_shape("http://localhost/") == ("localhost", 80)
    with pytest.raises(http.BlockedAddress):
        http.check_url_shape("http://10.0.0.1/")
    with pytest.raises(http.BlockedAddress):
        http.check_url_shape("http://files.internal/")
