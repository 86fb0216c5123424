"""What lib/http.py hands back: the status, headers and body of a fetch, read as text
in a charset that is safe to decode with whatever the server claims."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field


@dataclass
class Response:
    url: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""

    @property
    def charset(self) -> str:
        """The charset the page declares (header, else an HTML meta tag), if safe; else utf-8."""
        content_type = self.headers.get("content-type", "").lower()
        if "charset=" in content_type:
            return safe_charset(content_type.split("charset=")[-1].split(";")[0])
        if "html" in content_type:
            found = _META_CHARSET.search(self.content[:2048])
            if found:
                return safe_charset(found.group(1).decode("ascii", "replace"))
        return "utf-8"

    @property
    def text(self) -> str:
        """The body as text; never raises, whatever charset the server claims."""
        try:
            return self.content.decode(self.charset, errors="replace")
        except Exception:  # noqa: BLE001 - a codec may raise anything; the bytes are still text
            return self.content.decode("utf-8", errors="replace")


_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?([A-Za-z0-9_.:-]{1,40})""", re.I
)
# Codecs Python has that are no charset of the web and that a hostile page may name: utf-7
# turns `+ADw-` into `<`, the escape codecs turn `\u0000` into a NUL (which PostgreSQL refuses
# to store), idna and `undefined` raise whatever the error handler says.
_HOSTILE_CODECS = frozenset(
    {"utf-7", "idna", "undefined", "punycode", "unicode-escape", "raw-unicode-escape"}
)


def safe_charset(declared: str) -> str:
    """The codec name for `declared` when it is a text charset safe to decode with, else utf-8."""
    name = declared.strip().strip("\"'")
    if not name or len(name) > 40:
        return "utf-8"
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return "utf-8"
    normalised = info.name.replace("_", "-")
    if normalised in _HOSTILE_CODECS or not getattr(info, "_is_text_encoding", True):
        return "utf-8"
    return info.name
