"""A real HTTP server on 127.0.0.1 serving feeds shaped like real ones, and hostile ones.

Each route is a function of the request that writes the answer itself, so a route can send
a 304 to the right If-None-Match, stall, trickle, or never end. `requests` records
(method, path, headers) in order, for tests of what we sent and how often.
"""

from __future__ import annotations

import contextlib
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Handler = BaseHTTPRequestHandler
Route = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Seen] = []
        self.stopping = threading.Event()
        owner = self

        class Serve(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path
                owner.requests.append(
                    Seen(method, path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                route = owner.routes.get(path) or owner.routes.get(path.split("?")[0])
                if route is None:
                    send(self, 404, b"not here", "text/plain")
                    return
                self.request_body = body
                # The client may give up half-way: that is what some tests want.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    route(self)

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Serve)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def hits(self, path: str) -> list[Seen]:
        return [seen for seen in self.requests if seen.path.split("?")[0] == path]

    def stop(self) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()


def send(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    content_type: str,
    headers: dict[str, str] | None = None,
) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(body)


def static(body: bytes, content_type: str, **headers: str) -> Route:
    def route(handler: BaseHTTPRequestHandler) -> None:
        send(handler, 200, body, content_type, dict(headers))

    return route


def conditional(body: bytes, content_type: str, *, etag: str, modified: str) -> Route:
    """Answers 304 to a request that names the current ETag or Last-Modified."""

    def route(handler: BaseHTTPRequestHandler) -> None:
        if handler.headers.get("If-None-Match") == etag or (
            handler.headers.get("If-Modified-Since") == modified
        ):
            send(handler, 304, b"", content_type, {"ETag": etag})
            return
        send(handler, 200, body, content_type, {"ETag": etag, "Last-Modified": modified})

    return route


def status(code: int, **headers: str) -> Route:
    def route(handler: BaseHTTPRequestHandler) -> None:
        send(handler, code, b"", "text/plain", {k.replace("_", "-"): v for k, v in headers.items()})

    return route


def redirect(location: str) -> Route:
    def route(handler: BaseHTTPRequestHandler) -> None:
        send(handler, 302, b"", "text/plain", {"Location": location})

    return route


def gzip_bomb(decompressed: int) -> Route:
    """A small gzip body that inflates to `decompressed` bytes of spaces."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: with the gzip wrapper
    chunk = b" " * (1 << 20)
    body = b"".join(compressor.compress(chunk) for _ in range(decompressed >> 20))
    body += compressor.flush()

    def route(handler: BaseHTTPRequestHandler) -> None:
        send(handler, 200, body, "application/rss+xml", {"Content-Encoding": "gzip"})

    return route


def endless(stop: threading.Event) -> Route:
    """A body that never ends: chunked, a little XML every few milliseconds, forever."""

    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        piece = b"<item><title>more</title></item>"
        handler.wfile.write(b"%x\r\n<rss><channel>\r\n" % len(b"<rss><channel>"))
        while not stop.is_set():
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            handler.wfile.flush()
            time.sleep(0.005)

    return route


def trickle(stop: threading.Event, *, every: float) -> Route:
    """A body sent a byte at a time, each well within a socket timeout: only a deadline on
    the whole request ends it."""

    def route(handler: BaseHTTPRequestHandler) -> None:
        body = b"<?xml version='1.0'?><rss version='2.0'><channel>" + b" " * 10_000
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        for byte in body:
            if stop.is_set():
                return
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(every)

    return route


def http_date(moment: Any) -> str:
    return format_datetime(moment, usegmt=True)
