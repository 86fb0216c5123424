"""A hashtag on a fediverse server: Mastodon's public, unauthenticated hashtag timeline.

`GET /api/v1/timelines/tag/:hashtag?limit=40&since_id=…` answers a JSON array of statuses,
newest first; `since_id` (the newest id we have seen, kept in `Monitor.cursor`) asks only
for newer ones. Servers that require sign-in for it answer 401/422, which the poll reports.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote, urlencode

from .parsing import Item, Refused, _address, _iso_time, _language, _short, clean

PAGE = 40
HASHTAG = re.compile(r"^[\w]{1,100}$")


def timeline_url(server: str, hashtag: str, since_id: str) -> str:
    query = {"limit": str(PAGE)}
    if since_id:
        query["since_id"] = since_id
    return f"{server.rstrip('/')}/api/v1/timelines/tag/{quote(hashtag)}?{urlencode(query)}"


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and 0 <= value < 2**31 else None


def statuses(body: bytes) -> tuple[list[Item], str]:
    """The statuses of a timeline page as items, and the newest id among them ('' if none)."""
    try:
        data = json.loads(body)
    except RecursionError:
        raise Refused("the server's answer is nested too deeply") from None
    except (ValueError, UnicodeDecodeError):
        raise Refused("the server did not answer with a hashtag timeline") from None
    if not isinstance(data, list):
        raise Refused("the server did not answer with a hashtag timeline")
    items: list[Item] = []
    newest = ""
    for status in data[:PAGE]:
        if not isinstance(status, dict):
            continue
        status_id = status.get("id")
        uri = _address(status.get("uri"))
        if not isinstance(status_id, str) or not uri or len(status_id) > 100:
            continue
        newest = newest or status_id
        found = status.get("account")
        account: dict[str, Any] = found if isinstance(found, dict) else {}
        acct = account.get("acct") if isinstance(account.get("acct"), str) else ""
        items.append(
            Item(
                external_id=uri,
                url=_address(status.get("url")) or uri,
                content_html=clean(status.get("content")),
                author_name=_short(account.get("display_name"), 200),
                author_handle=f"@{acct}"[:200] if acct else "",
                author_url=_address(account.get("url")),
                follower_count=_count(account.get("followers_count")),
                language=_language(status.get("language")),
                published_at=_iso_time(status.get("created_at")),
            )
        )
    return items, newest
