"""Other servers: fetching actors and their keys (through our one client), blocked domains."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from groundswell.lib import http

from . import documents
from .models import BlockedDomain, RemoteActor

log = logging.getLogger(__name__)

ACCEPT = f"{documents.ACTIVITY_JSON}, {documents.LD_JSON}"
MAX_DOCUMENT_BYTES = 1024 * 1024
# A key that fails to verify is fetched again, at most this often (the owner may have rotated it).
REFETCH_AFTER = timedelta(minutes=1)


class RemoteError(Exception):
    """Something about another server went wrong; the message is safe to show and log."""


def domain_of(uri: str) -> str:
    return (urlsplit(uri).hostname or "").lower()


def is_blocked(uri: str) -> bool:
    domain = domain_of(uri)
    if not domain:
        return True
    blocked = {d.lower().strip(".") for d in getattr(settings, "FEDERATION_BLOCKED_DOMAINS", [])}
    candidates = {".".join(domain.split(".")[i:]) for i in range(domain.count(".") + 1)}
    if blocked & candidates:
        return True
    return BlockedDomain.objects.filter(domain__in=candidates).exists()


def fetch_json(uri: str) -> dict[str, Any]:
    if is_blocked(uri):
        raise RemoteError("that server is blocked here")
    try:
        response = http.get(uri, headers={"Accept": ACCEPT}, max_bytes=MAX_DOCUMENT_BYTES)
    except http.FetchError as error:
        raise RemoteError(str(error)) from None
    if response.status != 200:
        raise RemoteError(f"the server answered {response.status}")
    try:
        document = json.loads(response.content)
    except ValueError:
        raise RemoteError("the server did not answer with JSON") from None
    if not isinstance(document, dict):
        raise RemoteError("the server did not answer with a JSON object")
    return document


def _first_id(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("id", "")
    if isinstance(value, list) and value:
        return _first_id(value[0])
    return value if isinstance(value, str) else ""


def _store(document: dict[str, Any], *, expected_uri: str | None = None) -> RemoteActor:
    uri = _first_id(document)
    if not uri or (expected_uri and uri != expected_uri):
        raise RemoteError("the actor document does not describe that actor")
    inbox = document.get("inbox")
    if not isinstance(inbox, str) or not inbox.startswith(("http://", "https://")):
        raise RemoteError("the actor has no inbox")
    # Quirk: the key must belong to the actor's own server, else one server could claim that a
    # key it controls speaks for someone elsewhere.
    key = document.get("publicKey") or {}
    if isinstance(key, list):
        key = key[0] if key else {}
    key_id = key.get("id") if isinstance(key, dict) else None
    pem = key.get("publicKeyPem", "") if isinstance(key, dict) else ""
    if key_id and domain_of(key_id) != domain_of(uri):
        raise RemoteError("the actor's key lives on another server")
    endpoints = document.get("endpoints") if isinstance(document.get("endpoints"), dict) else {}
    shared = endpoints.get("sharedInbox", "") if endpoints else ""
    values = {
        "key_id": key_id or None,
        "public_key_pem": pem if isinstance(pem, str) else "",
        "inbox": inbox[:500],
        "shared_inbox": shared[:500] if isinstance(shared, str) else "",
        "username": str(document.get("preferredUsername") or "")[:200],
        "name": str(document.get("name") or "")[:200],
        "url": _first_id(document.get("url"))[:500] if document.get("url") else "",
        "domain": domain_of(uri),
        "fetched_at": timezone.now(),
    }
    # Another actor may still hold this key id in our cache (a rename): let the newcomer have it.
    if key_id:
        RemoteActor.objects.filter(key_id=key_id).exclude(uri=uri).update(key_id=None)
    try:
        with transaction.atomic():
            actor, _ = RemoteActor.objects.update_or_create(uri=uri, defaults=values)
    except IntegrityError:
        actor, _ = RemoteActor.objects.update_or_create(uri=uri, defaults=values)
    return actor


def fetch_actor(uri: str) -> RemoteActor:
    return _store(fetch_json(uri), expected_uri=uri)


def actor_for_key(key_id: str, *, refresh: bool = False) -> RemoteActor:
    """The actor owning `key_id`, from our cache or fetched (the key id may be the actor's)."""
    if not refresh:
        cached = RemoteActor.objects.filter(key_id=key_id).first()
        if cached is not None and cached.public_key_pem:
            return cached
    document = fetch_json(key_id.split("#")[0])
    if "inbox" not in document:
        # A standalone key document (some servers): {"id", "owner", "publicKeyPem"}.
        owner = document.get("owner")
        if not isinstance(owner, str):
            raise RemoteError("the key document names no owner")
        document = fetch_json(owner)
    actor = _store(document)
    if actor.key_id != key_id:
        raise RemoteError("the key is not the one its owner publishes")
    return actor


def actor_by_uri(uri: str) -> RemoteActor:
    cached = RemoteActor.objects.filter(uri=uri).first()
    return cached if cached is not None else fetch_actor(uri)


def may_refetch(actor: RemoteActor) -> bool:
    return timezone.now() - actor.fetched_at > REFETCH_AFTER


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
            )
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
