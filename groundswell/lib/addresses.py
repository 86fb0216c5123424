"""The one place that says which network address a request came from.

Behind a TLS proxy every request's direct peer (REMOTE_ADDR) is the proxy, and the visitor's
address is in X-Forwarded-For, which anyone can also send themselves. So the header is read
only when the direct peer is listed in TRUSTED_PROXIES, and then from the right: each
trusted proxy appends the address it saw, so the right-most entry that is not one of our
own proxies is the first address no one of ours can vouch for, the client's. Entries to its
left were written by the client and are ignored.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Sequence

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
UNKNOWN = "unknown"


def parse_networks(values: Sequence[str]) -> tuple[Network, ...]:
    """Addresses or CIDR ranges; ValueError names the first one that is neither."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{value!r} is not an IP address or CIDR range") from None
    return tuple(networks)


@functools.lru_cache(maxsize=8)
def _trusted(values: tuple[str, ...]) -> tuple[Network, ...]:
    return parse_networks(values)


def _address(text: str) -> Address | None:
    text = text.strip().strip('"')
    if text.startswith("["):  # "[2001:db8::1]:443"
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # "203.0.113.7:5678"
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _is_trusted(address: Address, trusted: tuple[Network, ...]) -> bool:
    return any(address in network for network in trusted)


def client_ip(request: HttpRequest) -> Address | None:
    peer = _address(request.META.get("REMOTE_ADDR", ""))
    trusted = _trusted(tuple(settings.TRUSTED_PROXIES))
    if peer is None or not trusted or not _is_trusted(peer, trusted):
        return peer
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    client = peer
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            # Our own proxies write only addresses: whatever is left of this was not theirs.
            break
        client = address
        if not _is_trusted(address, trusted):
            break
    return client


def client_address(request: HttpRequest) -> str:
    """The client's address as text (for the audit log, messages), or "unknown"."""
    address = client_ip(request)
    return str(address) if address is not None else UNKNOWN


def client_network(request: HttpRequest) -> str:
    """What limits count per: the address, or for IPv6 its /64 (one home or phone gets a
    whole /64 and may use any address in it)."""
    address = client_ip(request)
    if address is None:
        return UNKNOWN
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def network_range(address: Address | None) -> str:
    """The /24 (IPv4) or /64 (IPv6) holding `address`, as text ("203.0.113.0/24"), or "".

    What a signature keeps of where it came from: enough to see many signatures arrive from
    one network, not enough to point at one machine.
    """
    if address is None:
        return ""
    prefix = 24 if isinstance(address, ipaddress.IPv4Address) else 64
    return str(ipaddress.ip_network((address, prefix), strict=False))


def client_range(request: HttpRequest) -> str:
    """The network range (network_range) the request came from; "" if unknown."""
    return network_range(client_ip(request))
