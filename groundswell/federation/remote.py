"""Other servers: fetching actors, keys and objects (through our one client, every fetch
signed by our instance actor), blocked domains."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any, TypeGuard
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from groundswell.lib import http

from . import documents
from .keys import instance_key
from .models import BlockedDomain, RemoteActor
from .signatures import sign_get

log = logging.getLogger(__name__)

ACCEPT = f"{documents.ACTIVITY_JSON}, {documents.LD_JSON}"
MAX_DOCUMENT_BYTES = 1024 * 1024
# A key that fails to verify is fetched again, at most this often (the owner may have rotated it).
REFETCH_AFTER = timedelta(minutes=1)
# The column sizes of RemoteActor: longer values are refused, never cut (a cut address is
# another address) and never handed to the database (PostgreSQL would raise DataError).
MAX_URI = 500
MAX_DOMAIN = 255


class RemoteError(Exception):
    """Something about another server went wrong; the message is safe to show and log."""


class RemoteUnavailable(RemoteError):
    """The server could not be reached or answered with a server error: worth trying later."""


def domain_of(uri: str) -> str:
    """The lower-cased host name of `uri`; '' when it has none or is malformed (`https://[x`)."""
    try:
        return (urlsplit(uri).hostname or "").lower()
    except ValueError:
        return ""


def origin_of(uri: str) -> str:
    """`host:port` of `uri` (the port made explicit), '' when malformed.

    Two servers on one host name but different ports (loopback test peers, shared hosting) are
    different servers: one must not speak for the other.
    """
    try:
        parts = urlsplit(uri)
        host = (parts.hostname or "").lower()
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return ""
    return f"{host}:{port}" if host else ""


def same_origin(first: str, second: str) -> bool:
    origin = origin_of(first)
    return bool(origin) and origin == origin_of(second)


def is_address(value: Any, *, max_length: int = MAX_URI) -> TypeGuard[str]:
    """Whether `value` is a well-formed http(s) address that fits our columns."""
    if not isinstance(value, str) or not value or len(value) > max_length or "\x00" in value:
        return False
    try:
        parts = urlsplit(value)
        _ = parts.port  # raises ValueError on a bad port
    except ValueError:
        return False
    host = parts.hostname or ""
    return parts.scheme in ("http", "https") and bool(host) and len(host) <= MAX_DOMAIN


def is_blocked(uri: str) -> bool:
    domain = domain_of(uri)
    if not domain:
        return True
    blocked = {d.lower().strip(".") for d in getattr(settings, "FEDERATION_BLOCKED_DOMAINS", [])}
    candidates = {".".join(domain.split(".")[i:]) for i in range(domain.count(".") + 1)}
    if blocked & candidates:
        return True
    return BlockedDomain.objects.filter(domain__in=candidates).exists()


def _sign_as_instance(url: str) -> dict[str, str]:
    key = instance_key()
    return sign_get(
        private_key_pem=key.private_key_pem,
        key_id=documents.instance_key_id(),
        url=url,
        accept=ACCEPT,
        now=timezone.now(),
    )


def _refuse_blocked(target: str) -> None:
    """Refuse a redirect to a blocked server: blocking a server means not asking it anything,
    whoever sends us there."""
    if is_blocked(target):
        raise http.RefusedRedirect("the server redirected to a server that is blocked here")


def signed_get(uri: str) -> http.Response:
    """GET an ActivityPub document, signed by our instance actor (authorized fetch).

    Every fetch of an actor, a key or an object is signed: a server in secure mode answers
    none that is not, and signing all of them costs one RSA signature each. The instance
    actor signs, not an organisation, as Mastodon does: the fetch is the site's, and it must
    not tell the other server which of our organisations is looking. Only the server at
    `uri` gets the signature (a redirect elsewhere is fetched unsigned, one to a blocked
    server or from https to http is refused: http.RefusedRedirect). Raises http.FetchError.
    """
    return http.get(
        uri,
        # Sent on unsigned hops too; the signer sends the same value on the signed ones.
        headers={"Accept": ACCEPT},
        max_bytes=MAX_DOCUMENT_BYTES,
        signer=_sign_as_instance,
        check_redirect=_refuse_blocked,
    )


def _fetch(uri: str) -> tuple[dict[str, Any], str]:
    """The JSON object at `uri` and the address it finally came from (after redirects)."""
    if not is_address(uri):
        raise RemoteError("that is not an address we can fetch")
    if is_blocked(uri):
        raise RemoteError("that server is blocked here")
    try:
        response = signed_get(uri)
    except (http.BlockedAddress, http.RefusedRedirect) as error:
        raise RemoteError(str(error)) from None
    except http.FetchError as error:
        raise RemoteUnavailable(str(error)) from None
    if response.status == 429 or response.status >= 500:
        raise RemoteUnavailable(f"the server answered {response.status}")
    if response.status != 200:
        raise RemoteError(f"the server answered {response.status}")
    try:
        document = json.loads(response.content)
    except ValueError:
        raise RemoteError("the server did not answer with JSON") from None
    if not isinstance(document, dict):
        raise RemoteError("the server did not answer with a JSON object")
    return document, response.url


def fetch_json(uri: str) -> dict[str, Any]:
    return _fetch(uri)[0]


def _first_id(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("id", "")
    if isinstance(value, list) and value:
        return _first_id(value[0])
    return value if isinstance(value, str) else ""


def _link(value: Any) -> str:
    """A profile link (`url` may be a string, a Link object or a list): http(s) only, else ''."""
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("href") or value.get("id") or ""
    return value if is_address(value) else ""


def _actor_values(document: dict[str, Any], *, fetched_from: str) -> dict[str, Any]:
    """The RemoteActor fields an actor document gives; RemoteError when it cannot be trusted.

    Writes nothing: every check happens before anything is stored. The document must describe
    the address it was fetched from, so a server can only describe its own actors.
    """
    uri = _first_id(document)
    if not is_address(uri) or uri != fetched_from:
        raise RemoteError("the actor document does not describe that actor")
    inbox = document.get("inbox")
    if not is_address(inbox):
        raise RemoteError("the actor has no inbox")
    # Quirk: the key must belong to the actor's own server, else one server could claim that a
    # key it controls speaks for someone elsewhere.
    key = document.get("publicKey") or {}
    if isinstance(key, list):
        key = key[0] if key else {}
    key_id = key.get("id") if isinstance(key, dict) else None
    pem = key.get("publicKeyPem", "") if isinstance(key, dict) else ""
    if key_id is not None and not is_address(key_id):
        raise RemoteError("the actor's key id is not an address")
    if key_id and not same_origin(key_id, uri):
        raise RemoteError("the actor's key lives on another server")
    endpoints = document.get("endpoints")
    shared = endpoints.get("sharedInbox") if isinstance(endpoints, dict) else ""
    return {
        "uri": uri,
        "key_id": key_id or None,
        "public_key_pem": pem if isinstance(pem, str) else "",
        "inbox": inbox,
        # A malformed shared inbox is dropped, not refused: the personal inbox still works.
        "shared_inbox": shared if is_address(shared) else "",
        "username": str(document.get("preferredUsername") or "")[:200],
        "name": str(document.get("name") or "")[:200],
        "url": _link(document.get("url")),
        "domain": domain_of(uri),
        "fetched_at": timezone.now(),
    }


def _save(values: dict[str, Any]) -> RemoteActor:
    uri = values.pop("uri")
    key_id = values["key_id"]
    with transaction.atomic():
        # Another actor of the same server may still hold this key id in our cache (a rename):
        # let the newcomer have it. The key id is on the actor's own server (checked above), so
        # no server can take a key id away from another.
        if key_id:
            RemoteActor.objects.filter(key_id=key_id).exclude(uri=uri).update(key_id=None)
        try:
            with transaction.atomic():
                actor, _ = RemoteActor.objects.update_or_create(uri=uri, defaults=values)
        except IntegrityError:
            actor, _ = RemoteActor.objects.update_or_create(uri=uri, defaults=values)
    return actor


def _fetch_actor_values(uri: str) -> dict[str, Any]:
    document, final = _fetch(uri)
    if not same_origin(final, uri):
        # Redirected to another server: that server may not describe this actor.
        raise RemoteError("the actor document came from another server")
    return _actor_values(document, fetched_from=uri)


def fetch_actor(uri: str) -> RemoteActor:
    return _save(_fetch_actor_values(uri))


def cached_actor_for_key(key_id: str) -> RemoteActor | None:
    """The actor we already know to own `key_id`, with its key; never a network request."""
    if not is_address(key_id):
        return None
    found = RemoteActor.objects.filter(key_id=key_id).first()
    return found if found is not None and found.public_key_pem else None


def actor_for_key(key_id: str, *, refresh: bool = False) -> RemoteActor:
    """The actor owning `key_id`, from our cache or fetched (the key id may be the actor's).

    Nothing is stored unless every check passes: the documents describe the addresses they
    were fetched from, a separate key document names an owner on its own server, and the
    owner publishes exactly this key id.
    """
    if not is_address(key_id):
        raise RemoteError("the key id is not an address")
    if not refresh:
        cached = cached_actor_for_key(key_id)
        if cached is not None:
            return cached
    address = key_id.split("#")[0]
    document, final = _fetch(address)
    if not same_origin(final, address):
        raise RemoteError("the key document came from another server")
    pem = ""
    if "inbox" in document:
        described = _first_id(document)
        if described != address and is_address(described) and same_origin(described, address):
            # The key id's address served an actor of the same server under another address
            # (some servers do): read that actor from its own address.
            values = _fetch_actor_values(described)
        else:
            values = _actor_values(document, fetched_from=address)
    else:
        # A standalone key document (some servers): {"id", "owner", "publicKeyPem"}.
        if _first_id(document) != key_id:
            raise RemoteError("the key document does not describe that key")
        owner = document.get("owner")
        if not is_address(owner) or not same_origin(owner, key_id):
            raise RemoteError("the key document names no owner on its own server")
        key_pem = document.get("publicKeyPem")
        pem = key_pem if isinstance(key_pem, str) else ""
        values = _fetch_actor_values(owner)
    if values["key_id"] != key_id:
        raise RemoteError("the key is not the one its owner publishes")
    if not values["public_key_pem"]:
        values["public_key_pem"] = pem
    return _save(values)


def actor_by_uri(uri: str) -> RemoteActor:
    cached = RemoteActor.objects.filter(uri=uri).first()
    return cached if cached is not None else fetch_actor(uri)


def claim_refetch(actor: RemoteActor) -> bool:
    """Whether the caller may fetch the actor's key again now; records the attempt if so.

    The attempt is recorded whatever comes of it, so a stream of bad signatures naming a known
    key costs at most one fetch a minute. A conditional UPDATE: two requests cannot both win.
    """
    moment = timezone.now()
    since = moment - REFETCH_AFTER
    return bool(
        RemoteActor.objects.filter(pk=actor.pk, fetched_at__lte=since)
        .filter(Q(key_checked_at__isnull=True) | Q(key_checked_at__lte=since))
        .update(key_checked_at=moment)
    )


def resolve_handle(handle: str) -> RemoteActor:
    """`user@host` (or an actor address) to a RemoteActor, through WebFinger.

    WebFinger is asked over https; over plain http too only when loopback is allowed (tests
    and local set-ups, where servers listen on 127.0.0.1 without TLS).
    """
    if handle.startswith(("http://", "https://")):
        return actor_by_uri(handle)
    user, _, host = handle.removeprefix("acct:").lstrip("@").partition("@")
    if not user or not host:
        raise RemoteError("write the address as name@server")
    if not is_address(f"https://{host}/"):
        raise RemoteError("that server name is malformed")
    if is_blocked(f"https://{host}/"):
        raise RemoteError("that server is blocked here")
    resource = quote(f"acct:{user}@{host}", safe=":@")
    schemes = ["https"]
    if settings.HTTP_ALLOW_LOOPBACK:
        # Local servers rarely speak TLS; asking one over https first would wait for a timeout.
        local = host.split(":")[0] in ("127.0.0.1", "localhost", "[::1]")
        schemes = ["http", "https"] if local else ["https", "http"]
    last_error = RemoteError("WebFinger did not answer")
    for scheme in schemes:
        try:
            response = http.get(
                f"{scheme}://{host}/.well-known/webfinger?resource={resource}",
                headers={"Accept": "application/jrd+json, application/json"},
                max_bytes=MAX_DOCUMENT_BYTES,
                check_redirect=_refuse_blocked,
            )
        except http.RefusedRedirect as error:
            raise RemoteError(str(error)) from None
        except http.FetchError as error:
            last_error = RemoteError(str(error))
            continue
        if response.status != 200:
            last_error = RemoteError(f"WebFinger answered {response.status}")
            continue
        try:
            links = json.loads(response.content).get("links", [])
        except (ValueError, AttributeError):
            raise RemoteError("WebFinger did not answer with JSON") from None
        for link in links:
            if (
                isinstance(link, dict)
                and link.get("rel") == "self"
                and link.get("type", "").startswith(("application/activity+json", "application/ld"))
            ):
                return actor_by_uri(str(link.get("href")))
        raise RemoteError("WebFinger named no ActivityPub actor")
    raise last_error
