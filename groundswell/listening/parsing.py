"""A fetched document → the items it holds, refusing what is hostile.

XML goes through defusedxml first: a document declaring entities (the billion laughs) or
referring to anything outside itself (external entities, an external DTD subset read as
one) is refused before any parser sees it. Declarations can only stand before the root
element, so defusedxml reads up to there and no further. Then fastfeedparser reads the
items (feedxml.py, with what it leaves out); a document it does not read the way we need
goes to feedparser as before. Both are only ever handed bytes (given a string either would
open a URL). JSON Feed is read here. Nothing here touches the network or the database.

An item's body is sanitised (nh3) when it is first needed (`Item.sanitise`): a poll
cleans only the items not heard before.
"""

from __future__ import annotations

import html
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import feedparser
import nh3
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeTree

from groundswell.lib.html import ALLOWED_ATTRIBUTES, ALLOWED_TAGS

from . import feedxml

# More items than any real feed holds in one document; the rest are not read.
MAX_ITEMS = 500
MAX_TEXT = 20_000
JSON_FEED_PREFIX = "https://jsonfeed.org/version/"
# Remote HTML keeps formatting and links, never images: they would tell other servers who
# reads our pages.
TAGS = ALLOWED_TAGS - {"img"}
ATTRIBUTES = {tag: attrs for tag, attrs in ALLOWED_ATTRIBUTES.items() if tag != "img"}


class Refused(Exception):
    """The document is hostile or unreadable; the message is safe to show to staff."""


@dataclass
class Item:
    """One entry, normalised whatever its source said it with.

    `content_html` is always safe to show. parse() leaves a body in `raw_html` instead,
    and `sanitise()` (which `text` calls) moves it over cleaned."""

    external_id: str
    url: str = ""
    title: str = ""
    content_html: str = ""
    author_name: str = ""
    author_handle: str = ""
    author_url: str = ""
    follower_count: int | None = None
    language: str = ""
    published_at: datetime | None = None
    raw_html: str | None = field(default=None, repr=False)

    def sanitise(self) -> None:
        if self.raw_html is not None:
            self.content_html = clean(self.raw_html)
            self.raw_html = None

    @cached_property
    def text(self) -> str:
        self.sanitise()
        return plain(self.content_html)


@dataclass
class Document:
    title: str = ""
    language: str = ""
    hub: str = ""
    self_url: str = ""
    items: list[Item] = field(default_factory=list)


def clean(markup: Any) -> str:
    """Remote HTML made safe to show: text formatting and http(s) links only."""
    if not isinstance(markup, str):
        return ""
    return nh3.clean(
        markup[:MAX_TEXT],
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https"},
        link_rel="nofollow noopener ugc",
    )


def plain(markup: str) -> str:
    """The words of cleaned HTML, one space between them."""
    return " ".join(html.unescape(nh3.clean(markup, tags=set())).split())


def _short(value: Any, length: int) -> str:
    text = value if isinstance(value, str) else ""
    if not any(mark in text for mark in ("<", "&", "\x00", "\ufeff")):
        return " ".join(text.split())[:length]  # what nh3 and unescape would give back
    return " ".join(html.unescape(nh3.clean(text, tags=set())).split())[:length]


def _address(value: Any) -> str:
    if isinstance(value, str) and value.startswith(("http://", "https://")) and len(value) <= 500:
        return value
    return ""


def _language(value: Any) -> str:
    text = value.strip() if isinstance(value, str) else ""
    return text[:35] if text.replace("-", "").replace("_", "").isalnum() else ""


def parse(body: bytes, content_type: str = "") -> Document:
    """The items of an RSS (0.9x, 1.0, 2.0), Atom or JSON Feed document; Refused otherwise."""
    start = body[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if start.startswith(b"{") or "json" in content_type.lower():
        return _json_feed(body)
    return _xml_feed(body, content_type)


class _Root(Exception):
    """The root element began: no declaration can follow."""


class _StopAtRoot:
    def start(self, tag: str, attrib: dict[str, str]) -> None:
        raise _Root

    def close(self) -> None:
        return None


def _check_xml(body: bytes) -> None:
    parser = SafeTree.DefusedXMLParser(
        target=_StopAtRoot(), forbid_dtd=False, forbid_entities=True, forbid_external=True
    )
    try:
        parser.feed(body)
        parser.close()
    except _Root:
        return
    except DefusedXmlException:
        raise Refused(
            "the feed declares entities or refers to outside documents (refused as unsafe)"
        ) from None
    except (LookupError, UnicodeError):
        raise Refused("the feed's text encoding cannot be read") from None
    except SafeTree.ParseError as error:
        # Left to the parsers' lenient reading, unless the bytes cannot be text at all.
        if "encoding" in str(error).lower():
            raise Refused("the feed's text encoding cannot be read") from None


def _xml_feed(body: bytes, content_type: str) -> Document:
    _check_xml(body)
    read = feedxml.read(body)
    if read is not None:
        return _fast_document(read)
    headers = {"content-type": content_type} if content_type else {}
    try:
        parsed = feedparser.parse(io.BytesIO(body), response_headers=headers, sanitize_html=False)
    except (LookupError, UnicodeError):
        raise Refused("the feed's text encoding cannot be read") from None
    version = parsed.get("version", "")
    if not version and not parsed.entries:
        reason = parsed.get("bozo_exception")
        if isinstance(reason, feedparser.CharacterEncodingUnknown):
            raise Refused("the feed's text encoding cannot be read")
        raise Refused("this is not an RSS, Atom or JSON feed")
    feed = parsed.feed
    document = Document(
        title=_short(feed.get("title"), 200),
        language=_language(feed.get("language")),
    )
    for link in feed.get("links", []):
        if link.get("rel") == "hub" and not document.hub:
            document.hub = _address(link.get("href"))
        elif link.get("rel") == "self" and not document.self_url:
            document.self_url = _address(link.get("href"))
    for entry in parsed.entries[:MAX_ITEMS]:
        item = _entry(entry, document.language)
        if item is not None:
            document.items.append(item)
    return document


def _fast_document(read: feedxml.Read) -> Document:
    document = Document(
        title=_short(read.title, 200),
        language=_language(read.language),
        hub=_address(read.hub),
        self_url=_address(read.self_url),
    )
    for entry in read.entries[:MAX_ITEMS]:
        link = _address(entry.link)
        external_id = entry.id or link or entry.title
        if not external_id.strip():
            continue
        document.items.append(
            Item(
                external_id=external_id.strip()[:500],
                url=link,
                title=_short(entry.title, 300),
                raw_html=entry.html,
                author_name=_short(entry.author, 200),
                author_url=_address(entry.author_url),
                language=_language(entry.language) or document.language,
                published_at=_iso_time(entry.published),
            )
        )
    return document


def _entry(entry: Any, feed_language: str) -> Item | None:
    link = _address(entry.get("link"))
    external_id = entry.get("id") or link or entry.get("title") or ""
    if not isinstance(external_id, str) or not external_id.strip():
        return None
    content = ""
    for part in entry.get("content", []) or []:
        if isinstance(part, dict) and part.get("value"):
            content = part["value"]
            break
    content = content or entry.get("summary", "")
    published = entry.get("published_parsed") or entry.get("updated_parsed")
    detail = entry.get("author_detail") or {}
    language = ""
    for part in entry.get("content", []) or []:
        if isinstance(part, dict) and part.get("language"):
            language = _language(part["language"])
    return Item(
        external_id=external_id.strip()[:500],
        url=link,
        title=_short(entry.get("title"), 300),
        raw_html=content if isinstance(content, str) else "",
        author_name=_short(entry.get("author"), 200),
        author_url=_address(detail.get("href")),
        language=language or feed_language,
        published_at=_time(published),
    )


def _time(value: Any) -> datetime | None:
    """feedparser's time tuple (UTC) as a datetime; None when absent or impossible."""
    if not value:
        return None
    try:
        year, month, day, hour, minute, second = value[:6]
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def _json_feed(body: bytes) -> Document:
    try:
        data = json.loads(body)
    except RecursionError:
        raise Refused("the JSON feed is nested too deeply") from None
    except (ValueError, UnicodeDecodeError):
        raise Refused("this is not an RSS, Atom or JSON feed") from None
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith(JSON_FEED_PREFIX):
        raise Refused("this is not an RSS, Atom or JSON feed")
    items = data.get("items")
    if not isinstance(items, list):
        raise Refused("the JSON feed has no list of items")
    language = _language(data.get("language"))
    hubs = data.get("hubs")
    hub = ""
    if isinstance(hubs, list):
        for each in hubs:
            if isinstance(each, dict) and str(each.get("type", "")).lower() == "websub":
                hub = hub or _address(each.get("url"))
    document = Document(
        title=_short(data.get("title"), 200),
        language=language,
        hub=hub,
        self_url=_address(data.get("feed_url")),
    )
    for entry in items[:MAX_ITEMS]:
        if isinstance(entry, dict):
            item = _json_item(entry, language, data)
            if item is not None:
                document.items.append(item)
    return document


def _json_item(entry: dict[str, Any], language: str, feed: dict[str, Any]) -> Item | None:
    external_id = entry.get("id")
    if isinstance(external_id, int | float):
        external_id = str(external_id)
    if not isinstance(external_id, str) or not external_id.strip():
        return None
    content = entry.get("content_html")
    if not isinstance(content, str):
        text = entry.get("content_text")
        content = f"<p>{html.escape(text)}</p>" if isinstance(text, str) else ""
    authors = entry.get("authors") or feed.get("authors") or [entry.get("author") or {}]
    author = authors[0] if isinstance(authors, list) and authors else {}
    author = author if isinstance(author, dict) else {}
    published = entry.get("date_published") or entry.get("date_modified")
    return Item(
        external_id=external_id.strip()[:500],
        url=_address(entry.get("url")),
        title=_short(entry.get("title"), 300),
        raw_html=content,
        author_name=_short(author.get("name"), 200),
        author_url=_address(author.get("url")),
        language=_language(entry.get("language")) or language,
        published_at=_iso_time(published),
    )


def _iso_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
