"""Which addresses outbound HTTP may reach, decided without touching the network.

lib/http.py fetches; this holds its rules on addresses so that a web request may check the
shape of an address someone typed (`check_url_shape`) without a DNS lookup, and the client
checks every address a name resolves to against the same `address_allowed`. Tests allow
loopback through settings (HTTP_ALLOW_LOOPBACK); private networks only with
HTTP_ALLOW_PRIVATE_ADDRESSES.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import urlsplit

from django.conf import settings


class FetchError(Exception):
    """The fetch failed; the message is safe to show to staff."""


class BlockedAddress(FetchError):
    """The URL points at an address we never fetch from."""


def address_allowed(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
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


def host_and_port(url: str) -> tuple[str, int]:
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
    return parts.hostname, port


# Names that never reach the public internet, whatever a DNS server says (RFC 6761, RFC 6762
# and the .internal TLD ICANN set aside for private networks).
_LOOPBACK_NAMES = ("localhost",)
_PRIVATE_NAMES = ("local", "internal")
_NUMERIC_HOST = re.compile(r"[0-9a-fx.]+", re.I)


def _literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        pass
    # getaddrinfo reads `2130706433`, `127.1` and `0x7f.0.0.1` as 127.0.0.1 without asking a
    # DNS server; inet_aton parses the same legacy forms, offline.
    if _NUMERIC_HOST.fullmatch(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def _is_under(name: str, suffixes: tuple[str, ...]) -> bool:
    return any(name == suffix or name.endswith("." + suffix) for suffix in suffixes)


def check_url_shape(url: str) -> tuple[str, int]:
    """(host, port) of `url` if it looks fetchable; FetchError/BlockedAddress if not.

    Never touches the network, so a web request may call it: http(s) only, a host, a valid
    port, and no literal private/loopback address or local-only name. A public-looking name
    may still resolve to a private address; fetching checks the addresses it connects to.
    """
    host, port = host_and_port(url)
    name = host.rstrip(".").lower()
    address = _literal_address(name)
    if address is not None:
        allowed = address_allowed(address)
    elif _is_under(name, _LOOPBACK_NAMES):
        allowed = settings.HTTP_ALLOW_LOOPBACK or settings.HTTP_ALLOW_PRIVATE_ADDRESSES
    elif _is_under(name, _PRIVATE_NAMES):
        allowed = settings.HTTP_ALLOW_PRIVATE_ADDRESSES
    else:
        allowed = True
    if not allowed:
        raise BlockedAddress("the address is private or local and is never fetched")
    return host, port
