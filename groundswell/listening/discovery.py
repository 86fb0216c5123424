"""A site's page → the feeds it names with `<link rel="alternate">` (autodiscovery).

Read with the standard library's HTML parser, never as XML; only the first MAX_PAGE bytes of
the page are read, and links go through lib/http's shape check like any address we fetch.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin

from groundswell.lib.http import FetchError, check_url_shape

FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/feed+json",
        "application/json",
        "text/xml",
        "application/xml",
    }
)
MAX_FEEDS = 5
MAX_PAGE = 512 * 1024


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self.base = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key.lower(): (value or "").strip() for key, value in attrs}
        if tag == "base" and values.get("href") and not self.base:
            self.base = values["href"]
        if tag != "link":
            return
        rels = values.get("rel", "").lower().split()
        kind = values.get("type", "").lower().split(";")[0].strip()
        if "alternate" in rels and kind in FEED_TYPES and values.get("href"):
            self.found.append((values["href"], values.get("title", "")))


def feeds_in(page: str, page_url: str) -> list[str]:
    """The absolute addresses of the feeds the page names, in its order, at most MAX_FEEDS."""
    reader = _Links()
    try:
        reader.feed(page[:MAX_PAGE])
        reader.close()
    except (AssertionError, ValueError):
        pass  # a page too broken to read further: keep what was found
    base = urljoin(page_url, reader.base) if reader.base else page_url
    feeds: list[str] = []
    for href, _title in reader.found:
        address = urljoin(base, href)
        try:
            check_url_shape(address)
        except FetchError:
            continue
        if address not in feeds and len(address) <= 500:
            feeds.append(address)
    return feeds[:MAX_FEEDS]


def looks_like_feed(body: bytes, content_type: str) -> bool:
    """Whether the address given as a site is a feed already (no page to search)."""
    kind = content_type.lower().split(";")[0].strip()
    if kind in FEED_TYPES - {"application/json"} or kind == "application/feed+json":
        return True
    start = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf:rdf")) or (
        start.startswith(b"{") and b"jsonfeed.org" in body[:2048]
    )
