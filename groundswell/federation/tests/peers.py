"""A stand-in for a Mastodon server on 127.0.0.1: actor documents, a recording inbox, signing.

The signing and verifying here are written independently of `groundswell.federation` on
purpose, following Mastodon's own request signing, so the tests check our code against the
protocol rather than against itself.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

_KEYS: list[rsa.RSAPrivateKey] = []


def _key(index: int) -> rsa.RSAPrivateKey:
    # Key generation is the slow part of these tests: a few keys are made once and reused.
    while len(_KEYS) <= index:
        _KEYS.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    return _KEYS[index]


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class MastoActor:
    peer: Peer
    username: str
    key: rsa.RSAPrivateKey
    shared: bool = True
    document: dict[str, Any] = field(default_factory=dict)

    @property
    def uri(self) -> str:
        return self.peer.url(f"/users/{self.username}")

    @property
    def key_id(self) -> str:
        return self.uri + "#main-key"

    @property
    def inbox(self) -> str:
        return self.uri + "/inbox"

    def sign(
        self, url: str, body: bytes, *, date: datetime | None = None, key: Any = None
    ) -> dict[str, str]:
        return mastodon_sign(key or self.key, self.key_id, url, body, date=date)


def mastodon_sign(
    key: rsa.RSAPrivateKey, key_id: str, url: str, body: bytes, *, date: datetime | None = None
) -> dict[str, str]:
    """Headers as Mastodon's Request class makes them for a signed POST."""
    parts = urlsplit(url)
    host = parts.netloc
    headers = {
        "Host": host,
        "Date": format_datetime(date or datetime.now(UTC), usegmt=True),
        "Digest": "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode(),
        "Content-Type": "application/activity+json",
    }
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"(request-target): post {target}"]
    lines += [f"{name.lower()}: {value}" for name, value in headers.items()]
    signature = key.sign("\n".join(lines).encode(), padding.PKCS1v15(), hashes.SHA256())
    names = " ".join(["(request-target)", *(name.lower() for name in headers)])
    headers["Signature"] = (
        f'keyId="{key_id}",algorithm="rsa-sha256",headers="{names}",'
        f'signature="{base64.b64encode(signature).decode()}"'
    )
    return headers


def verify_signed_post(recorded: Recorded, public_key_pem: str, *, host: str) -> bool:
    """Check a POST we received the way a Mastodon server would."""
    params = dict(
        part.split("=", 1) for part in recorded.headers["signature"].replace('"', "").split(",")
    )
    headers = {**recorded.headers, "host": host}
    expected_digest = base64.b64encode(hashlib.sha256(recorded.body).digest()).decode()
    if headers.get("digest") != f"SHA-256={expected_digest}":
        return False
    lines = []
    for name in params["headers"].split():
        if name == "(request-target)":
            lines.append(f"(request-target): post {recorded.path}")
        else:
            lines.append(f"{name}: {headers[name]}")
    key = serialization.load_pem_public_key(public_key_pem.encode())
    if not isinstance(key, rsa.RSAPublicKey):  # Mastodon's keys are RSA; no other verifies
        return False
    try:
        key.verify(
            base64.b64decode(params["signature"]),
            "\n".join(lines).encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except Exception:  # noqa: BLE001
        return False
    return True


def verify_signed_get(path: str, headers: dict[str, str], public_key_pem: str) -> bool:
    """Check a GET we received as a Mastodon server in secure mode would: the signature must
    cover `(request-target)`, `host` and `date`, and verify with the key."""
    params = dict(part.split("=", 1) for part in headers["signature"].replace('"', "").split(","))
    names = params["headers"].split()
    if not {"(request-target)", "host", "date"} <= set(names):
        return False
    lines = [
        f"(request-target): get {path}"
        if name == "(request-target)"
        else f"{name}: {headers[name]}"
        for name in names
    ]
    key = serialization.load_pem_public_key(public_key_pem.encode())
    if not isinstance(key, rsa.RSAPublicKey):  # Mastodon's keys are RSA; no other verifies
        return False
    try:
        key.verify(
            base64.b64decode(params["signature"]),
            "\n".join(lines).encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except Exception:  # noqa: BLE001
        return False
    return True


class Peer:
    """One remote server: GET serves documents, POST records deliveries and answers `status`."""

    def __init__(self) -> None:
        self.documents: dict[str, Any] = {}
        self.received: list[Recorded] = []
        self.fetched: list[str] = []  # the paths of GET requests, in order
        self.fetch_headers: list[dict[str, str]] = []  # their headers, lower-case names
        self.redirects: dict[str, str] = {}  # path -> Location answered with a 302
        self.status = 202
        self.actors: dict[str, MastoActor] = {}
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                with owner._lock:
                    owner.fetched.append(self.path)
                    owner.fetch_headers.append({k.lower(): v for k, v in self.headers.items()})
                moved_to = owner.redirects.get(self.path.split("?")[0])
                if moved_to is not None:
                    self.send_response(302)
                    self.send_header("Location", moved_to)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                document = owner.documents.get(self.path.split("?")[0])
                if document is None:
                    self._answer(404, b'{"error":"Record not found"}', "application/json")
                    return
                self._answer(200, json.dumps(document).encode(), "application/activity+json")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with owner._lock:
                    owner.received.append(
                        Recorded(
                            path=self.path,
                            headers={k.lower(): v for k, v in self.headers.items()},
                            body=body,
                        )
                    )
                self._answer(owner.status, b"", "text/plain")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return f"http://{self.host}{path}"

    def add_actor(self, username: str, *, key_index: int = 0, shared: bool = True) -> MastoActor:
        actor = MastoActor(peer=self, username=username, key=_key(key_index), shared=shared)
        # Shaped as Mastodon 4 serves a Person (the parts a server reads).
        actor.document = {
            "@context": [
                "https://www.w3.org/ns/activitystreams",
                "https://w3id.org/security/v1",
                {
                    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
                    "toot": "http://joinmastodon.org/ns#",
                },
            ],
            "id": actor.uri,
            "type": "Person",
            "following": actor.uri + "/following",
            "followers": actor.uri + "/followers",
            "inbox": actor.inbox,
            "outbox": actor.uri + "/outbox",
            "preferredUsername": username,
            "name": username.title(),
            "summary": "<p>Here for the rivers.</p>",
            "url": self.url(f"/@{username}"),
            "manuallyApprovesFollowers": False,
            "publicKey": {
                "id": actor.key_id,
                "owner": actor.uri,
                "publicKeyPem": public_pem(actor.key),
            },
            "endpoints": {"sharedInbox": self.url("/inbox")} if shared else {},
        }
        self.documents[f"/users/{username}"] = actor.document
        self.actors[username] = actor
        return actor

    def posts_to(self, path: str) -> list[Recorded]:
        return [r for r in self.received if r.path == path]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
