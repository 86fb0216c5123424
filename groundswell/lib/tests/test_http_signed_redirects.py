"""A signed GET signs only hops on the origin it addressed, never follows https to http, and
lets its caller refuse a redirect target before it is fetched."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from groundswell.lib import http
from groundswell.testing import LocalWebServer

Seen = list[list[tuple[str, str]]]


def _recording(server: LocalWebServer, monkeypatch: pytest.MonkeyPatch) -> Seen:
    """Every request's headers as sent (repeated names kept), lower-case names."""
    seen: Seen = []
    handler = server.server.RequestHandlerClass
    answer = handler.do_GET  # type: ignore[attr-defined]

    def do_get(self: BaseHTTPRequestHandler) -> None:
        seen.append([(key.lower(), value) for key, value in self.headers.items()])
        answer(self)

    monkeypatch.setattr(handler, "do_GET", do_get)
    return seen


def _values(headers: list[tuple[str, str]], name: str) -> list[str]:
    return [value for key, value in headers if key == name]


class Signer:
    """Stands in for the HTTP-signature code: names the address it signed, and an Accept."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, url: str) -> dict[str, str]:
        self.asked.append(url)
        return {"Signature": f"signed {url}", "accept": "application/activity+json"}


@pytest.fixture
def other_server() -> Iterator[LocalWebServer]:
    server = LocalWebServer()
    yield server
    server.stop()


def test_only_the_first_origin_is_signed(
    web_server: LocalWebServer, other_server: LocalWebServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    web_server.routes["/go"] = (302, {"Location": other_server.url("/land")}, b"")
    other_server.routes["/land"] = (200, {}, b"landed")
    first, second = _recording(web_server, monkeypatch), _recording(other_server, monkeypatch)
    signer = Signer()

    response = http.get(web_server.url("/go"), headers={"Accept": "text/plain"}, signer=signer)

    assert response.content == b"landed"
    assert signer.asked == [web_server.url("/go")]
    (asked,) = first
    assert _values(asked, "signature") == [f"signed {web_server.url('/go')}"]
    # The signed Accept replaces the caller's, whatever its case: one header, not two.
    assert _values(asked, "accept") == ["application/activity+json"]
    (landed,) = second
    assert _values(landed, "signature") == []
    assert _values(landed, "accept") == ["text/plain"]


def test_a_same_origin_redirect_is_signed_for_its_own_address(
    web_server: LocalWebServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    web_server.routes["/go"] = (301, {"Location": "/land"}, b"")
    web_server.routes["/land"] = (200, {}, b"landed")
    seen = _recording(web_server, monkeypatch)

    http.get(web_server.url("/go"), signer=Signer())

    assert [_values(headers, "signature") for headers in seen] == [
        [f"signed {web_server.url('/go')}"],
        [f"signed {web_server.url('/land')}"],
    ]


def test_a_fetch_sent_away_and_back_is_not_signed_again(
    web_server: LocalWebServer, other_server: LocalWebServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    web_server.routes["/go"] = (302, {"Location": other_server.url("/bounce")}, b"")
    other_server.routes["/bounce"] = (302, {"Location": web_server.url("/land")}, b"")
    web_server.routes["/land"] = (200, {}, b"landed")
    seen = _recording(web_server, monkeypatch)
    signer = Signer()

    http.get(web_server.url("/go"), signer=signer)

    assert signer.asked == [web_server.url("/go")]
    assert _values(seen[-1], "signature") == []


def test_the_caller_may_refuse_a_redirect_target_before_it_is_fetched(
    web_server: LocalWebServer, other_server: LocalWebServer
) -> None:
    web_server.routes["/go"] = (302, {"Location": other_server.url("/land")}, b"")
    targets: list[str] = []

    def refuse(target: str) -> None:
        targets.append(target)
        raise http.RefusedRedirect("not there")

    with pytest.raises(http.RefusedRedirect, match="not there"):
        http.get(web_server.url("/go"), check_redirect=refuse)

    assert targets == [other_server.url("/land")]
    assert other_server.requests == []


# --- https to http ------------------------------------------------------------------------


def _certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, which the test makes our client trust."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
def tls_redirect(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, web_server: LocalWebServer
) -> Iterator[str]:
    """An https server on 127.0.0.1 whose every path redirects to web_server's /land (http)."""
    cert_file, key_file = _certificate(tmp_path)
    target = web_server.url("/land")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # The network boundary: our client trusts this certificate, and nothing else changes.
    trusting = ssl.create_default_context(cafile=str(cert_file))
    monkeypatch.setattr(http, "_tls", lambda: trusting)
    yield f"https://127.0.0.1:{server.server_address[1]}/go"
    server.shutdown()
    server.server_close()


def test_a_signed_fetch_refuses_a_redirect_from_https_to_http(
    tls_redirect: str, web_server: LocalWebServer
) -> None:
    web_server.routes["/land"] = (200, {}, b"landed")
    # Unsigned, the same redirect is followed: the TLS server and the way down both work.
    assert http.get(tls_redirect).content == b"landed"
    assert web_server.requests == ["/land"]

    with pytest.raises(http.RefusedRedirect, match="from https to plain http"):
        http.get(tls_redirect, signer=Signer())

    assert web_server.requests == ["/land"]  # not asked again
