"""Bluesky through the `atproto` package, with every request sent by groundswell.lib.http.

`atproto.Client` accepts a `request` object; ours overrides the one method that talks to
httpx (`Request._send_request`, which is not public API: re-check it when upgrading
atproto) and sends the call through groundswell.lib.http instead. So every XRPC call gets our
timeouts, size limits and SSRF guard — including the PDS address that createSession's DID
document may switch the client to, which we never chose ourselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import httpx
from atproto import Client, Session, SessionEvent, models
from atproto_client import exceptions as atproto_errors
from atproto_client.request import Request, _handle_response

from groundswell.lib import http

from .length import URL
from .outgoing import CredentialsRefused, Delivered, DeliveryError, Image, Outgoing

DEFAULT_SERVICE = "https://bsky.social"
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
# A blob above this is refused by the PDS for images and link thumbnails.
MAX_BLOB_BYTES = 1_000_000


# atproto ships no type information that mypy reads, so its Request is Any here.
class _RoutedRequest(Request):  # type: ignore[misc]
    def _send_request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = self.get_headers(kwargs.pop("headers", None))
        # Our User-Agent, not the SDK's: servers see one Groundswell, whatever library is used.
        headers = {k: v for k, v in headers.items() if k.lower() != "user-agent"}
        params = kwargs.pop("params", None)
        if params:
            url = f"{url}?{urlencode(params, doseq=True)}"
        body = kwargs.pop("content", None)
        if body is None:
            body = kwargs.pop("data", None)
        if isinstance(body, str):
            body = body.encode()
        try:
            if method == "GET":
                reply = http.get(url, headers=headers)
            else:
                reply = http.post(url, headers=headers, content=body or b"")
        except http.FetchError as error:
            raise DeliveryError(str(error), temporary=True) from None
        response = httpx.Response(reply.status, headers=reply.headers, content=reply.content)
        handled: httpx.Response = _handle_response(response)
        return handled


def record_key(timestamp_us: int, clock_id: int) -> str:
    """A TID (the record key type of app.bsky.feed.post) from a time and a 10-bit clock id."""
    value = ((timestamp_us & ((1 << 53) - 1)) << 10) | (clock_id & 0x3FF)
    chars = []
    for _ in range(13):
        chars.append(_TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def link_facets(text: str) -> list[models.AppBskyRichtextFacet.Main]:
    """Mark each link in `text`; Bluesky shows plain text otherwise. Offsets are UTF-8 bytes."""
    facets = []
    for match in URL.finditer(text):
        start = len(text[: match.start()].encode())
        end = start + len(match.group().encode())
        facets.append(
            models.AppBskyRichtextFacet.Main(
                features=[models.AppBskyRichtextFacet.Link(uri=match.group())],
                index=models.AppBskyRichtextFacet.ByteSlice(byte_start=start, byte_end=end),
            )
        )
    return facets


def _client(service_url: str, keep_session: Callable[[str], None] | None = None) -> Client:
    client = Client(base_url=service_url, request=_RoutedRequest())
    if keep_session is not None:

        def changed(event: SessionEvent, session: Session) -> None:
            if event in (SessionEvent.CREATE, SessionEvent.REFRESH):
                keep_session(session.encode())

        client.on_session_change(changed)
    return client


def _explain(error: atproto_errors.AtProtocolError) -> DeliveryError:
    if isinstance(error, DeliveryError):
        return error
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", 0) or 0
    content = getattr(response, "content", None)
    detail = getattr(content, "message", None) or getattr(content, "error", None) or ""
    if isinstance(error, atproto_errors.UnauthorizedError):
        return CredentialsRefused("Bluesky refused the handle or app password.")
    message = f"Bluesky answered {status}" + (f": {detail}" if detail else "")
    temporary = status == 429 or status >= 500 or status == 0
    return DeliveryError(message[:400], temporary=temporary)


def _login(client: Client, handle: str, app_password: str) -> str:
    client.login(handle, app_password, fetch_bsky_profile=False)
    did: str = Session.decode(client.export_session_string()).did
    return did


def verify(service_url: str, handle: str, app_password: str) -> str:
    """Log in once to check the credentials; return the account's DID."""
    try:
        return _login(_client(service_url), handle, app_password)
    except (atproto_errors.AtProtocolError, DeliveryError) as error:
        raise _explain(error) from None


def _upload(client: Client, image: Image) -> Any:
    reply = client.com.atproto.repo.upload_blob(
        image.content, headers={"Content-Type": image.mime_type}
    )
    return reply.blob


def _session_refused(error: Exception) -> bool:
    """The server no longer takes the session (expired or revoked): log in again."""
    if isinstance(error, (atproto_errors.UnauthorizedError, atproto_errors.LoginRequiredError)):
        return True
    content = getattr(getattr(error, "response", None), "content", None)
    return getattr(content, "error", None) in {"ExpiredToken", "InvalidToken"}


def publish(
    service_url: str,
    handle: str,
    app_password: str,
    post: Outgoing,
    *,
    session: str = "",
    keep_session: Callable[[str], None] = lambda session: None,
) -> Delivered:
    """Post `post`, reusing `session` (a session string) when there is one.

    createSession is rate-limited per handle (30 per 5 minutes), so one login serves every
    post: `keep_session` is given each new or refreshed session to store, and "" when the
    server refused the stored one (then this logs in with the app password once).
    """
    if session:
        try:
            client = _client(service_url, keep_session)
            client.login(session_string=session, fetch_bsky_profile=False)
            return _create(client, Session.decode(session).did, handle, post)
        except (atproto_errors.AtProtocolError, DeliveryError) as error:
            if not _session_refused(error):
                raise _explain(error) from None
            keep_session("")
    try:
        client = _client(service_url, keep_session)
        return _create(client, _login(client, handle, app_password), handle, post)
    except (atproto_errors.AtProtocolError, DeliveryError) as error:
        raise _explain(error) from None


def _create(client: Client, did: str, handle: str, post: Outgoing) -> Delivered:
    embed: Any = None
    if post.link is not None:
        thumb = _upload(client, post.thumb) if post.thumb else None
        embed = models.AppBskyEmbedExternal.Main(
            external=models.AppBskyEmbedExternal.External(
                uri=post.link.url,
                title=post.link.title,
                description=post.link.description,
                thumb=thumb,
            )
        )
    elif post.image is not None:
        embed = models.AppBskyEmbedImages.Main(
            images=[
                models.AppBskyEmbedImages.Image(
                    alt=post.image.alt_text,
                    image=_upload(client, post.image),
                    aspect_ratio=models.AppBskyEmbedDefs.AspectRatio(
                        width=post.image.width, height=post.image.height
                    ),
                )
            ]
        )
    record = models.AppBskyFeedPost.Record(
        text=post.text,
        created_at=client.get_current_time_iso(),
        facets=link_facets(post.text) or None,
        embed=embed,
        langs=[post.language] if post.language else None,
    )
    created = client.app.bsky.feed.post.create(did, record, rkey=post.record_key)
    rkey = created.uri.rsplit("/", 1)[-1]
    return Delivered(
        remote_id=created.uri, remote_url=f"https://bsky.app/profile/{handle}/post/{rkey}"
    )
