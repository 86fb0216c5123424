"""What the providers' modules share: calling an API through lib/http.py, reading JSON."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from groundswell.lib import http

from . import Refused, Unavailable


class Retry(Unavailable):
    """The provider did not answer, or answered 5xx or 429: worth trying again later."""


def call(url: str, *, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    """POST to a provider's API; its JSON object, or Unavailable / Retry with a safe reason."""
    try:
        response = http.post(url, content=body, headers=headers, max_bytes=256 * 1024)
    except http.FetchError as error:
        raise Retry(str(error)[:200]) from None
    answer = _object(response.content)
    if response.status >= 500 or response.status == 429:
        raise Retry(f"the provider answered {response.status}")
    if response.status >= 400:
        raise Unavailable(f"the provider refused ({response.status}): {_error(answer)}"[:300])
    if answer is None:
        raise Retry("the provider's answer was not JSON")
    return answer


def _object(content: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(content)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _error(answer: dict[str, Any] | None) -> str:
    error = (answer or {}).get("error")
    if isinstance(error, dict):
        for key in ("message", "description", "code"):
            if isinstance(error.get(key), str):
                return str(error[key])
    return "no reason given"


def event_body(body: bytes) -> dict[str, Any]:
    """The webhook's JSON object, once its signature verified."""
    value = _object(body)
    if value is None:
        raise Refused("The body is not a JSON object.")
    return value


def text(value: Any, limit: int = 255) -> str:
    """A string field of a provider's JSON, or empty (anything else is not what we asked)."""
    return value[:limit] if isinstance(value, str) else ""


def number(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def web_address(url: str) -> bool:
    """Whether the provider's checkout address is one a browser may be sent to: the donor is
    redirected there from our domain, so never a `javascript:` or other scheme."""
    parts = urlsplit(url)
    return parts.scheme in ("https", "http") and bool(parts.netloc)


def dig(value: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value
