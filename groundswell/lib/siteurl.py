"""The site's own address when SITE_URL is not set (where `serve` and `demo` listen), and the
contact address other servers see.

No Django here: settings.py imports it before Django is configured.
"""

from urllib.parse import urlsplit

# Listening on every interface: a link still has to name one address people can open.
WILDCARDS = frozenset({"0.0.0.0", "::", "[::]"})  # noqa: S104 - compared, never bound


def local_site_url(host: str, port: int) -> str:
    host = host.strip() or "127.0.0.1"
    if host in WILDCARDS:
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


# Domains set aside for documentation and testing (RFC 2606, RFC 6761): nobody answers there.
PLACEHOLDER_SUFFIXES = ("example", "invalid", "test", "example.com", "example.net", "example.org")


def _is_placeholder(host: str) -> bool:
    host = host.lower().rstrip(".")
    return any(host == suffix or host.endswith("." + suffix) for suffix in PLACEHOLDER_SUFFIXES)


def contact_url(raw: str, site_url: str) -> str:
    """The contact address other servers' operators see: `raw` checked, or the site's own.

    Accepts an absolute http(s) address or `mailto:name@host` (a bare `name@host` is taken as
    one). Raises ValueError, with a message naming the problem, for anything else, and for an
    address on a documentation or test domain, which would reach nobody.
    """
    value = raw.strip()
    if not value:
        return site_url.rstrip("/") + "/"
    if "://" not in value and not value.lower().startswith("mailto:") and "@" in value:
        value = "mailto:" + value
    if value.lower().startswith("mailto:"):
        local, _, host = value[7:].partition("@")
        if not local or not host or any(c in value for c in " <>\"',;") or "." not in host:
            raise ValueError(f"FEDERATION_CONTACT_URL is not an email address: {raw!r}")
    else:
        try:
            parts = urlsplit(value)
            host = parts.hostname or ""
            _ = parts.port
        except ValueError:
            host = ""
        if parts.scheme not in ("http", "https") or not host or any(c in value for c in ' <>"'):
            raise ValueError(
                f"FEDERATION_CONTACT_URL must be an http(s) address or mailto:, not {raw!r}"
            )
    if _is_placeholder(host):
        raise ValueError(f"FEDERATION_CONTACT_URL names a placeholder domain: {raw!r}")
    return value
