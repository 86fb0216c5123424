"""A slow server cannot hold us past the deadline; the address checked is the one connected."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, NoReturn

import pytest
from pytest_django.fixtures import Settings

from groundswell import testing
from groundswell.lib import http


class TricklingServer:
    """Accepts on 127.0.0.1 and sends `head` then one byte of `body` every `pause` seconds."""

    def __init__(self, *, head: bytes, pause: float, body: bytes = b"x" * 10_000) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.head, self.pause, self.body = head, pause, body
        self.stopped = threading.Event()
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._trickle, args=(connection,), daemon=True).start()

    def _trickle(self, connection: socket.socket) -> None:
        with connection:
            try:
                connection.recv(65536)
                for byte in self.head + self.body:
                    if self.stopped.is_set():
                        return
                    connection.sendall(bytes([byte]))
                    time.sleep(self.pause)
            except OSError:
                return

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.stopped.set()
        self.listener.close()


@pytest.fixture
def trickler() -> Iterator[Callable[..., TricklingServer]]:
    servers: list[TricklingServer] = []

    def start(**options: Any) -> TricklingServer:
        server = TricklingServer(**options)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 10000\r\n\r\n"


def test_a_body_trickled_a_byte_at_a_time_fails_at_the_deadline(
    trickler: Callable[..., TricklingServer], settings: Settings
) -> None:
    # Every single read is fast (one byte every 50 ms, far under the 10 s read timeout): only a
    # deadline on the whole request can stop this.
    server = trickler(head=HEAD, pause=0.05)
    started = time.monotonic()
    with pytest.raises(http.FetchError, match="time allowed"):
        http.get(server.url(), deadline=1.0)
    elapsed = time.monotonic() - started
    assert 0.9 <= elapsed < 1.5


def test_headers_trickled_a_byte_at_a_time_fail_at_the_deadline(
    trickler: Callable[..., TricklingServer], settings: Settings
) -> None:
    settings.HTTP_DEADLINE_SECONDS = 1
    server = trickler(head=HEAD, pause=0.2)
    started = time.monotonic()
    with pytest.raises(http.DeadlineExceeded):
        http.get(server.url())
    assert time.monotonic() - started < 1.5


def test_a_trickled_answer_to_a_post_fails_at_the_deadline(
    trickler: Callable[..., TricklingServer],
) -> None:
    server = trickler(head=HEAD, pause=0.05)
    started = time.monotonic()
    with pytest.raises(http.FetchError, match="time allowed"):
        http.post(server.url("/inbox"), content=b"{}", deadline=1.0)
    assert time.monotonic() - started < 1.5


def test_the_deadline_covers_every_redirect_together(
    web_server: testing.LocalWebServer, trickler: Callable[..., TricklingServer]
) -> None:
    slow = trickler(head=HEAD, pause=0.05)
    web_server.routes["/go"] = (302, {"Location": slow.url("/slow")}, b"")
    started = time.monotonic()
    with pytest.raises(http.FetchError):
        http.get(web_server.url("/go"), deadline=1.0)
    assert time.monotonic() - started < 1.5


def test_a_fast_answer_is_not_affected_by_the_deadline(web_server: testing.LocalWebServer) -> None:
    web_server.routes["/quick"] = (200, {}, b"hello")
    assert http.get(web_server.url("/quick"), deadline=1.0).content == b"hello"


# --- the address checked is the address connected ----------------------------------------


class Resolver:
    """A DNS that answers `answers` in turn, the last one ever after (as a rebinding attack)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *answers: str) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []
        real = socket.getaddrinfo

        def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
            if host != "rebind.test":
                return real(host, port, *args, **kwargs)
            self.asked.append(host)
            address = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_it_connects_to_the_address_it_checked_and_keeps_the_host_name(
    web_server: testing.LocalWebServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    handler = web_server.server.RequestHandlerClass
    # The stubs see a handler factory; the test server's handler class defines do_GET.
    answer = handler.do_GET  # type: ignore[attr-defined]

    def do_get(self: BaseHTTPRequestHandler) -> None:
        seen.append(self.headers["Host"])
        answer(self)

    monkeypatch.setattr(handler, "do_GET", do_get)
    # First answer: where our test server is. Every later answer: an address that is never
    # fetched. A client resolving again to connect would go there (or be refused).
    dns = Resolver(monkeypatch, "127.0.0.1", "10.0.0.1")
    web_server.routes["/page"] = (200, {}, b"the checked server")
    port = web_server.server.server_address[1]
    response = http.get(f"http://rebind.test:{port}/page")
    assert response.content == b"the checked server"
    assert dns.asked == ["rebind.test"]
    assert seen == [f"rebind.test:{port}"]


def test_a_host_that_turns_to_loopback_is_never_connected_to(
    web_server: testing.LocalWebServer, monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    settings.HTTP_ALLOW_LOOPBACK = False
    Resolver(monkeypatch, "127.0.0.1")
    port = web_server.server.server_address[1]
    with pytest.raises(http.BlockedAddress):
        http.get(f"http://rebind.test:{port}/")
    with pytest.raises(http.BlockedAddress):
        http.post(f"http://rebind.test:{port}/inbox", content=b"{}")
    assert web_server.requests == []


def test_a_slow_dns_answer_is_bounded_by_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()

    def getaddrinfo(*args: object, **kwargs: object) -> NoReturn:
        release.wait(5)
        raise socket.gaierror("late")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    started = time.monotonic()
    try:
        with pytest.raises(http.FetchError, match="resolve"):
            http.get("http://slow-dns.test/", deadline=0.5)
        assert time.monotonic() - started < 1.0
    finally:
        release.set()


def test_checking_an_address_gives_up_on_a_slow_dns_server(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    settings.HTTP_TIMEOUT_SECONDS = 0.5
    release = threading.Event()

    def getaddrinfo(*args: object, **kwargs: object) -> NoReturn:
        release.wait(5)
        raise socket.gaierror("late")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    started = time.monotonic()
    try:
        with pytest.raises(http.FetchError, match="took too long to resolve"):
            http.check_url("http://slow-dns.test/")
        assert time.monotonic() - started < 1.0
    finally:
        release.set()


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rebind.test")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
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


def test_tls_to_the_pinned_address_still_names_the_host(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import ssl

    cert_file, key_file = _self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    names: list[str | None] = []
    context.sni_callback = lambda connection, name, ctx: names.append(name)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        connection, _ = listener.accept()
        # Our client refuses the self-signed certificate, as it should: the handshake fails.
        with connection, contextlib.suppress(ssl.SSLError, OSError):
            context.wrap_socket(connection, server_side=True).close()

    threading.Thread(target=serve, daemon=True).start()
    Resolver(monkeypatch, "127.0.0.1", "10.0.0.1")
    try:
        with pytest.raises(http.FetchError):
            http.get(f"https://rebind.test:{port}/", deadline=3)
    finally:
        listener.close()
    # The socket went to the checked address; the TLS handshake named the host (SNI).
    assert names == ["rebind.test"]
