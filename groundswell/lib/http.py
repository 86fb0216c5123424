"""The one outbound HTTP client. Feeds, link cards, federation and webhooks all use it.

Every request has a timeout, our User-Agent and a size limit, and is refused before any
connection is made when the host resolves to a private, loopback, link-local or otherwise
non-public address (unless settings allow it: tests allow loopback). Redirects are
followed by hand so that every hop is checked the same way.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx
from django.conf import settings

USER_AGENT = "Groundswell/0.1 (+https://groundswell.invalid/bot)"
MAX_REDIRECTS = 5


class FetchError(Exception):
    """The fetch failed; the message is safe to show to staff."""


class BlockedAddress(FetchError):
    """The URL points at an address we never fetch from."""


@dataclass
class Response:
    url: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""

    @property
    def text(self) -> str:
        charset = "utf-8"
        content_type = self.headers.get("content-type", "")
        if "charset=" in content_type:
            charset = content_type.split("charset=")[-1].split(";")[0].strip() or "utf-8"
        try:
            return self.content.decode(charset, errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")


def _address_allowed(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_loopback:
        return settings.HTTP_ALLOW_LOOPBACK or settings.HTTP_ALLOW_PRIVATE_ADDRESSES
    if (
        address.is_private
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
        or not address.is_global
    ):
        return settings.HTTP_ALLOW_PRIVATE_ADDRESSES
    return True


def check_url(url: str) -> None:
    """Raise FetchError unless `url` is http(s) and every address of its host is allowed.

    There is a window between this check and the connection in which DNS could change
    (rebinding); the redirect checks and short timeouts keep that window small.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        raise FetchError("the address is malformed") from None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise FetchError("only http and https addresses can be fetched")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise FetchError("the address has an invalid port") from None
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FetchError("the host name does not resolve") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not _address_allowed(address):
            raise BlockedAddress("the address is private or local and is never fetched")


def get(
    url: str,
    *,
    headers: dict[str, str] | None = None,
    max_bytes: int | None = None,
    timeout: float | None = None,
) -> Response:
    """GET `url` with every safety check; raise FetchError on any failure."""
    limit = max_bytes or settings.HTTP_MAX_BYTES
    request_headers = {"User-Agent": USER_AGENT, **(headers or {})}
    with httpx.Client(
        timeout=timeout or settings.HTTP_TIMEOUT_SECONDS, follow_redirects=False, trust_env=False
    ) as client:
        for _hop in range(MAX_REDIRECTS + 1):
            check_url(url)
            try:
                with client.stream("GET", url, headers=request_headers) as reply:
                    if reply.is_redirect and "location" in reply.headers:
                        try:
                            target = urljoin(url, reply.headers["location"])
                            moved_away = _origin(target) != _origin(url)
                        except ValueError:
                            raise FetchError("the redirect address is malformed") from None
                        if moved_away:
                            # Credentials belong to the server they were meant for, not to
                            # wherever it sends us; once dropped they stay dropped.
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
    if isinstance(error, httpx.TimeoutException):
        return FetchError("the server took too long to answer")
    return FetchError(f"the request failed ({type(error).__name__})")


_CREDENTIAL_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})


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
    # a fresh client per request would rebuild its TLS context and reconnect every time.
    global _post_client
    with _post_client_lock:
        if _post_client is None:
            _post_client = httpx.Client(follow_redirects=False, trust_env=False)
        return _post_client


def post(
    url: str,
    *,
    content: bytes,
    headers: dict[str, str] | None = None,
    max_bytes: int | None = None,
    timeout: float | None = None,
) -> Response:
    """POST `content` to `url` with the same checks as get(); raise FetchError on failure.

    Redirects are not followed (a POST must not silently move elsewhere): a 3xx comes back
    as the response. Only the first `max_bytes` of the answer are kept.
    """
    limit = max_bytes or settings.HTTP_MAX_BYTES
    check_url(url)
    request_headers = {"User-Agent": USER_AGENT, **(headers or {})}
    client = _shared_post_client()
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
