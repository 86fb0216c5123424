"""The site's own address when SITE_URL is not set: where `serve` and `demo` listen.

No Django here: settings.py imports it before Django is configured.
"""

# Listening on every interface: a link still has to name one address people can open.
WILDCARDS = frozenset({"0.0.0.0", "::", "[::]"})  # noqa: S104 - compared, never bound


def local_site_url(host: str, port: int) -> str:
    host = host.strip() or "127.0.0.1"
    if host in WILDCARDS:
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"
