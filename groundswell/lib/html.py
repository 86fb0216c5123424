"""Markdown to safe HTML, and reading metadata out of other people's HTML."""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

import nh3
from django.conf import settings
from markdown_it import MarkdownIt

# Raw HTML in Markdown is off: writers get Markdown, not a way to inject markup.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_markdown.enable(["table", "strikethrough"])
_default_image = _markdown.renderer.rules["image"]  # type: ignore[attr-defined]


def _render_image(renderer: Any, tokens: Any, index: int, options: Any, env: Any) -> str:
    # Images only from our own media: a third-party image would tell another site who reads
    # us. Anything else is shown as its description, in brackets.
    token = tokens[index]
    if str(token.attrGet("src") or "").startswith(settings.MEDIA_URL):
        return str(_default_image(tokens, index, options, env))
    return escape(f"[{token.content}]") if token.content else ""


_markdown.add_render_rule("image", _render_image)

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4", "hr", "i",
    "img", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "abbr": {"title"}}


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not value.startswith(settings.MEDIA_URL):
        return None
    return value


def render_markdown(text: str) -> str:
    """Render Markdown written by staff to HTML that is safe to show to the public."""
    html = _markdown.render(text or "")
    # Headings start at h2 on our pages: the story title is the page's only h1.
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener ugc",
        attribute_filter=_filter_attribute,
    )


def plain_text(html: str) -> str:
    return " ".join(nh3.clean(html, tags=set()).split())


class _MetaReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self._in_title = False
        self.title = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag == "meta":
            key = values.get("property") or values.get("name")
            if key and "content" in values:
                self.meta.setdefault(key.lower(), values["content"].strip())
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title and len(self.title) < 500:
            self.title += data


def read_page_metadata(html: str, base_url: str) -> dict[str, str]:
    """OpenGraph/Twitter title, description, image and site name from a page's HTML."""
    reader = _MetaReader()
    reader.feed(html[:500_000])
    meta = reader.meta

    def first(*keys: str) -> str:
        return next((meta[key] for key in keys if meta.get(key)), "")

    image = first("og:image", "og:image:url", "twitter:image")
    return {
        "title": (first("og:title", "twitter:title") or reader.title.strip())[:300],
        "description": first("og:description", "twitter:description", "description")[:1000],
        "image_url": urljoin(base_url, image) if image else "",
        "site_name": first("og:site_name")[:200],
    }
