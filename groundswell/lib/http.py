"""The one outbound HTTP client. Feeds, link cards, federation and webhooks all use it.

Every request has a timeout per network operation, a total deadline (connect, every read and
every redirect together), our User-Agent and a size limit. The host name is resolved once per
connection, every address it gives is checked (private, loopback, link-local and other
non-public addresses are refused unless settings allow them: tests allow loopback), and the
socket is opened to exactly the address that was checked, so a DNS answer that changes between
the check and the connection (rebinding) cannot reach anything the check refused. The Host
header and the TLS server name stay the host name. Redirects are followed by hand so that every
hop is checked the same way.
"""

from __future__ import annotations

import contextvars
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from functools import cache
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx
from django.conf import settings

# What callers name as http.X: the address rules and the reply live in their own modules.
from .responses import Response as Response
from .responses import safe_charset as safe_charset
from .urlcheck import BlockedAddress as BlockedAddress
from .urlcheck import FetchError as FetchError
from .urlcheck import address_allowed, host_and_port
from .urlcheck import check_url_shape as check_url_shape

VERSION = "0.1"


def user_agent() -> str:
    """Who is asking, and where its operator can be reached (settings.FEDERATION_CONTACT_URL).

    Read per request, not once, so a test or a second instance in one process that changes
    the setting is named correctly.
    """
    return f"Groundswell/{VERSION} (+{settings.FEDERATION_CONTACT_URL})"


# The task queue for work that goes through this client (settings.TASK_QUEUES): its own worker
# process, so a slow server never delays signatures or email.
NETWORK_QUEUE = "network"
MAX_REDIRECTS = 5


class RefusedRedirect(FetchError):
    """A redirect the caller's rules forbid: to a server it will not ask, or from https to
    plain http in a signed fetch. The message names the reason."""


class DeadlineExceeded(FetchError):
    """The whole request (every hop, every read) took longer than its deadline."""


# --- resolving and connecting to the checked address ---------------------------------------

# getaddrinfo has no timeout of its own: it runs here so a slow DNS server cannot outlast the
# deadline. A lookup that hangs keeps its thread until the system resolver gives up.
_resolver = ThreadPoolExecutor(max_workers=8, thread_name_prefix="http-dns")
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "http_deadline", default=None
)


def _remaining(
    timeout: float | None, *, late: str = "the server took too long to answer"
) -> float | None:
    """`timeout` cut down to what is left of the current deadline; raises `late` when none is
    left (naming the step that was about to start, so the message says what was slow)."""
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise DeadlineExceeded(late)
    return left if timeout is None else min(timeout, left)


def resolve(host: str, port: int, *, timeout: float | None = None) -> list[str]:
    """Every address of `host`, each checked; FetchError/BlockedAddress if any is refused."""
    slow = "the host name took too long to resolve"
    lookup = _resolver.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        infos = lookup.result(timeout=_remaining(timeout, late=slow))
    except FutureTimeout:
        raise DeadlineExceeded(slow) from None
    except (OSError, UnicodeError):
        raise FetchError("the host name does not resolve") from None
    addresses: list[str] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address_allowed(address):
            raise BlockedAddress("the address is private or local and is never fetched")
        if str(address) not in addresses:
            addresses.append(str(address))
    if not addresses:
        raise FetchError("the host name does not resolve")
    return addresses


def check_url(url: str) -> None:
    """Raise FetchError unless `url` is http(s) and every address of its host is allowed.

    It resolves the host name, so it is for workers and commands; a web request calls
    check_url_shape. Fetching checks again, on the very addresses it connects to.
    """
    host, port = check_url_shape(url)
    # A command may call this while someone waits: a slow DNS server must not hold it long.
    with _until(settings.HTTP_TIMEOUT_SECONDS):
        resolve(host, port)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read and write stops at the request's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def _limit(self, timeout: float | None, error: type[Exception]) -> float | None:
        try:
            return _remaining(timeout)
        except DeadlineExceeded:
            raise error("the deadline has passed") from None

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._limit(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._limit(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        limited = self._limit(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, limited))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _PinnedBackend(httpcore.SyncBackend):
    """Connects to the checked addresses of the host, never to a second DNS answer."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        failure: Exception = FetchError("the host name does not resolve")
        for address in resolve(host, port, timeout=timeout):
            try:
                limited = _remaining(timeout)
            except DeadlineExceeded:
                raise httpcore.ConnectTimeout("the deadline has passed") from None
            try:
                stream = super().connect_tcp(address, port, limited, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
                continue
            return _DeadlineStream(stream)
        raise failure


@cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every client: building one reads the CA bundle again, which cost
    a tenth of a second of CPU per fetch (bench/listening.py). Contexts are safe to share."""
    return httpx.create_ssl_context()


def _client(**options: Any) -> httpx.Client:
    transport = httpx.HTTPTransport(verify=_tls(), trust_env=False)
    # httpx has no public way to give its connection pool a network backend: ours is set on
    # the pool httpx built (httpcore reads it only when it opens a connection).
    transport._pool._network_backend = _PinnedBackend()
    return httpx.Client(transport=transport, follow_redirects=False, trust_env=False, **options)


@contextmanager
def _until(deadline_seconds: float) -> Iterator[None]:
    token = _deadline.set(time.monotonic() + deadline_seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


# --- the two verbs -----------------------------------------------------------------------------


def get(
    url: str,
    *,
    headers: dict[str, str] | None = None,
    max_bytes: int | None = None,
    timeout: float | None = None,
    deadline: float | None = None,
    signer: Callable[[str], dict[str, str]] | None = None,
    check_redirect: Callable[[str], None] | None = None,
) -> Response:
    """GET `url` with every safety check; raise FetchError on any failure.

    `timeout` bounds each network operation, `deadline` the whole fetch, redirects included.
    `signer(url)`, when given, returns the headers that sign a GET of `url` (HTTP signatures
    name the host and path; they replace same-named `headers`). It signs only while the fetch
    stays on the first URL's origin (scheme, host, port): the signature speaks for us to the
    server we addressed, not to wherever it redirects us, so once a redirect leaves the
    origin no later hop is signed, not even one back. A signed fetch that is redirected from
    https to plain http is refused (RefusedRedirect): what it fetches is trusted as the
    addressed server's own word. `check_redirect(target)`, when given, is called before each
    redirect is followed and may refuse it by raising FetchError.
    """
    limit = max_bytes or settings.HTTP_MAX_BYTES
    request_headers = {"User-Agent": user_agent(), **(headers or {})}
    on_first_origin = True
    with (
        _until(deadline or settings.HTTP_DEADLINE_SECONDS),
        _client(timeout=timeout or settings.HTTP_TIMEOUT_SECONDS) as client,
    ):
        for _hop in range(MAX_REDIRECTS + 1):
            host_and_port(url)
            hop_headers = request_headers
            if signer is not None and on_first_origin:
                hop_headers = _with_replaced(request_headers, signer(url))
            try:
                with client.stream("GET", url, headers=hop_headers) as reply:
                    if reply.is_redirect and "location" in reply.headers:
                        try:
                            target = urljoin(url, reply.headers["location"])
                            moved_away = _origin(target) != _origin(url)
                        except ValueError:
                            raise FetchError("the redirect address is malformed") from None
                        if signer is not None and _downgrades(url, target):
                            raise RefusedRedirect(
                                "the server redirected a signed fetch from https to plain http"
                            )
                        if check_redirect is not None:
                            check_redirect(target)
                        if moved_away:
                            # Credentials belong to the server they were meant for, not to
                            # wherever it sends us; once dropped they stay dropped.
                            on_first_origin = False
                            request_headers = {
                                key: value
                                for key, value in request_headers.items()
                                if key.lower() not in _CREDENTIAL_HEADERS
                            }
                        url = target
                        continue
                    declared = reply.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > limit:
                        raise FetchError("the response is larger than allowed")
                    return _read(reply, url, limit, truncate=False)
            except httpx.HTTPError as error:
                raise _fetch_error(error) from None
    raise FetchError("too many redirects")


def _read(reply: httpx.Response, url: str, limit: int, *, truncate: bool) -> Response:
    """Read at most `limit` bytes (decompressed: a gzip bomb stops here too)."""
    body = bytearray()
    for chunk in reply.iter_bytes():
        body += chunk
        if len(body) > limit:
            if not truncate:
                raise FetchError("the response is larger than allowed")
            body = body[:limit]
            break
    return Response(
        url=url,
        status=reply.status_code,
        headers={k.lower(): v for k, v in reply.headers.items()},
        content=bytes(body),
    )


def _fetch_error(error: httpx.HTTPError) -> FetchError:
    deadline = _deadline.get()
    if deadline is not None and time.monotonic() >= deadline:
        return DeadlineExceeded("the server did not finish answering in the time allowed")
    if isinstance(error, httpx.TimeoutException):
        return FetchError("the server took too long to answer")
    return FetchError(f"the request failed ({type(error).__name__})")


_CREDENTIAL_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})


def _with_replaced(headers: dict[str, str], replacing: dict[str, str]) -> dict[str, str]:
    """`headers` with `replacing` in place of the same names in any case (one Accept, not two)."""
    names = {name.lower() for name in replacing}
    return {
        **{name: value for name, value in headers.items() if name.lower() not in names},
        **replacing,
    }


def _downgrades(url: str, target: str) -> bool:
    return urlsplit(url).scheme.lower() == "https" and urlsplit(target).scheme.lower() == "http"


def _origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the default port filled in: what a redirect may not change
    if it is to receive the credentials."""
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


_post_client: httpx.Client | None = None
_post_client_lock = threading.Lock()


def _shared_post_client() -> httpx.Client:
    # One pooled client for POSTs: federation delivers to the same inboxes again and again, and
    # a fresh client per request would rebuild its TLS context and reconnect every time. A
    # pooled connection stays on the address that was checked when it was opened.
    global _post_client
    with _post_client_lock:
        if _post_client is None:
            _post_client = _client()
        return _post_client


def post(
    url: str,
    *,
    content: bytes,
    headers: dict[str, str] | None = None,
    max_bytes: int | None = None,
    timeout: float | None = None,
    deadline: float | None = None,
) -> Response:
    """POST `content` to `url` with the same checks as get(); raise FetchError on failure.

    Redirects are not followed (a POST must not silently move elsewhere): a 3xx comes back
    as the response. Only the first `max_bytes` of the answer are kept.
    """
    limit = max_bytes or settings.HTTP_MAX_BYTES
    host_and_port(url)
    request_headers = {"User-Agent": user_agent(), **(headers or {})}
    client = _shared_post_client()
    with _until(deadline or settings.HTTP_DEADLINE_SECONDS):
        try:
            with client.stream(
                "POST",
                url,
                content=content,
                headers=request_headers,
                timeout=timeout or settings.HTTP_TIMEOUT_SECONDS,
            ) as reply:
                return _read(reply, url, limit, truncate=True)
        except httpx.HTTPError as error:
            raise _fetch_error(error) from None
