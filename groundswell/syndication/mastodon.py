"""Mastodon's REST API (statuses and media), through groundswell.lib.http."""

from __future__ import annotations

import json
import secrets
from typing import Any

from groundswell.lib import http

from .outgoing import CredentialsRefused, Delivered, DeliveryError, Outgoing


def _answer(reply: http.Response, what: str) -> dict[str, Any]:
    if reply.status in (401, 403):
        raise CredentialsRefused("Mastodon refused the access token.")
    if reply.status == 429 or reply.status >= 500:
        raise DeliveryError(f"Mastodon answered {reply.status} to {what}", temporary=True)
    try:
        data = json.loads(reply.content or b"{}")
    except ValueError:
        data = {}
    if not 200 <= reply.status < 300:
        detail = data.get("error", "") if isinstance(data, dict) else ""
        message = f"Mastodon answered {reply.status} to {what}" + (f": {detail}" if detail else "")
        raise DeliveryError(message[:400], temporary=False)
    if not isinstance(data, dict):
        raise DeliveryError(f"Mastodon's answer to {what} was not understood", temporary=True)
    return data


def _call(method: str, url: str, **kwargs: Any) -> http.Response:
    try:
        if method == "GET":
            return http.get(url, **kwargs)
        return http.post(url, **kwargs)
    except http.FetchError as error:
        raise DeliveryError(str(error), temporary=True) from None


def _multipart(fields: dict[str, str], file: tuple[str, str, bytes, str]) -> tuple[bytes, str]:
    """multipart/form-data for the media upload: lib.http.post sends bytes, nothing more."""
    boundary = secrets.token_hex(16)
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    field, filename, content, mime = file
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
        f'filename="{filename}"\r\nContent-Type: {mime}\r\n\r\n'.encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def verify(server: str, token: str) -> tuple[str, str]:
    """Check the token; return (account name as @name@server-less acct, account id)."""
    reply = _call(
        "GET",
        f"{server}/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Bearer {token}"},
    )
    data = _answer(reply, "verify_credentials")
    return str(data.get("acct", "")), str(data.get("id", ""))


def publish(server: str, token: str, post: Outgoing) -> Delivered:
    auth = {"Authorization": f"Bearer {token}"}
    media_ids = []
    if post.image is not None:
        # Images are processed at once (200); a 202 means "still processing" but the id is
        # already valid to attach.
        extension = post.image.mime_type.rsplit("/", 1)[-1]
        body, content_type = _multipart(
            {"description": post.image.alt_text},
            ("file", f"image.{extension}", post.image.content, post.image.mime_type),
        )
        reply = _call(
            "POST",
            f"{server}/api/v2/media",
            headers={**auth, "Content-Type": content_type},
            content=body,
        )
        media_ids.append(str(_answer(reply, "the image upload")["id"]))
    payload: dict[str, Any] = {"status": post.text, "visibility": "public"}
    if media_ids:
        payload["media_ids"] = media_ids
    if post.language:
        payload["language"] = post.language
    # The same key on every attempt: Mastodon answers a repeat with the status it already
    # made instead of posting again (it remembers keys for an hour).
    reply = _call(
        "POST",
        f"{server}/api/v1/statuses",
        headers={
            **auth,
            "Idempotency-Key": post.idempotency_key,
            "Content-Type": "application/json",
        },
        content=json.dumps(payload).encode(),
    )
    data = _answer(reply, "the post")
    return Delivered(remote_id=str(data.get("id", "")), remote_url=str(data.get("url") or ""))
