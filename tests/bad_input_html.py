"""Reading pages the way the bad-input suite needs: their POST forms, title, heading, errors."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from typing import Any


@dataclass
class Field:
    name: str
    kind: str  # an <input>'s type, or "select", "textarea"
    value: str = ""
    required: bool = False
    maxlength: int | None = None
    options: list[str] = field(default_factory=list)
    checked: bool = False


@dataclass
class Form:
    action: str
    enctype: str
    fields: list[Field] = field(default_factory=list)


@dataclass
class Page:
    """What a person reading the page (or a screen reader) is told."""

    title: str = ""
    headings: list[str] = field(default_factory=list)
    summary_items: list[str] = field(default_factory=list)
    has_summary: bool = False
    forms: list[Form] = field(default_factory=list)


VOID = ("input", "meta", "br", "img", "link", "hr", "source", "wbr")
SUMMARY = re.compile(r'class="error-summary".*?</ul>', re.DOTALL)
ITEM = re.compile(r"<li[^>]*>(.*?)</li>", re.DOTALL)
TAG = re.compile(r"<[^>]+>")


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._form: Form | None = None
        self._select: Field | None = None
        self._text: list[str] | None = None  # the <title> or <h1> being read
        self._into = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag in ("title", "h1") and self._text is None:
            self._text, self._into = [], tag
        elif tag == "form" and found.get("method", "get").lower() == "post":
            enctype = found.get("enctype", "application/x-www-form-urlencoded")
            self._form = Form(action=found.get("action", ""), enctype=enctype)
            self.page.forms.append(self._form)
        elif tag == "option" and self._select is not None:
            self._select.options.append(found.get("value", ""))
        if self._form is None or "name" not in found or "disabled" in found:
            return
        maxlength = found.get("maxlength", "")
        common: dict[str, Any] = {
            "name": found["name"],
            "required": "required" in found,
            "maxlength": int(maxlength) if maxlength.isdigit() else None,
        }
        if tag == "input":
            kind = found.get("type", "text").lower()
            self._form.fields.append(
                Field(kind=kind, value=found.get("value", ""), checked="checked" in found, **common)
            )
        elif tag == "select":
            self._select = Field(kind="select", **common)
            self._form.fields.append(self._select)
        elif tag == "textarea":
            self._form.fields.append(Field(kind="textarea", **common))
        elif tag == "button" and found.get("type", "submit") == "submit":
            self._form.fields.append(Field(kind="button", value=found.get("value", ""), **common))

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif self._text is not None and tag == self._into:
            text = " ".join("".join(self._text).split())
            if tag == "title":
                self.page.title = text
            else:
                self.page.headings.append(text)
            self._text = None


def read(html: str) -> Page:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    page = reader.page
    summary = SUMMARY.search(html)
    if summary:
        page.has_summary = True
        page.summary_items = [
            " ".join(unescape(TAG.sub("", item)).split()) for item in ITEM.findall(summary[0])
        ]
    return page
