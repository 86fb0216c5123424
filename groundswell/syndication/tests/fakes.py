"""Small Bluesky (XRPC) and Mastodon (REST) servers on 127.0.0.1 that record what they get.

They answer the way the services document: createSession gives accessJwt/refreshJwt/did,
uploadBlob a blob reference, createRecord a uri and cid; Mastodon's /api/v2/media a media
attachment with its description, /api/v1/statuses a status (a repeated Idempotency-Key gets
the first status again, as Mastodon does).
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
APP_PASSWORD = "abcd-efgh-ijkl-mnop"
TOKEN = "mastodon-token-0123456789"


def cid(data: bytes, codec: int = 0x55) -> str:
    """A real CIDv1 (sha2-256) for `data`, base32 as atproto writes them."""
    raw = bytes([0x01, codec, 0x12, 0x20]) + hashlib.sha256(data).digest()
    return "b" + base64.b32encode(raw).decode().lower().rstrip("=")


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def jwt(did: str, scope: str) -> str:
    now = int(time.time())
    payload = {"scope": scope, "sub": did, "iat": now, "exp": now + 7200, "aud": "did:web:pds"}
    return f"{_b64({'typ': 'at+jwt', 'alg': 'HS256'})}.{_b64(payload)}.c2lnbmF0dXJl"


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, Any]:
        """multipart/form-data fields: text values as str, files as (filename, type, bytes)."""
        head = f"Content-Type: {self.headers['content-type']}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + self.body)
        fields: dict[str, Any] = {}
        for part in message.iter_parts():
            # A form field's name is a plain parameter (no RFC 2231 tuple), and a decoded
            # non-multipart part is bytes.
            name = str(part.get_param("name", header="content-disposition"))
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            filename = part.get_filename()
            if filename:
                fields[name] = (filename, part.get_content_type(), payload)
            else:
                fields[name] = payload.decode()
        return fields


@dataclass
class FakeServer:
    requests: list[Seen] = field(default_factory=list)
    # Paths that answer with an error status instead (path -> list of statuses, used in turn).
    failures: dict[str, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(
                    method=self.command,
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length),
                )
                owner.requests.append(seen)
                path = self.path.split("?")[0]
                if owner.failures.get(path):
                    status = owner.failures[path].pop(0)
                    body = {"error": "InternalServerError", "message": "try later"}
                else:
                    status, body = owner.answer(seen, path)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = _handle
            do_POST = _handle

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def to(self, path: str) -> list[Seen]:
        return [r for r in self.requests if r.path.split("?")[0] == path]

    def answer(self, seen: Seen, path: str) -> tuple[int, Any]:
        raise NotImplementedError


class FakePDS(FakeServer):
    def __post_init__(self) -> None:
        self.records: set[str] = set()
        super().__post_init__()

    def answer(self, seen: Seen, path: str) -> tuple[int, Any]:
        if path == "/xrpc/com.atproto.server.createSession":
            data = seen.json()
            if data.get("password") != APP_PASSWORD:
                return 401, {"error": "AuthenticationRequired", "message": "Invalid password"}
            return 200, {
                "accessJwt": jwt(DID, "com.atproto.appPass"),
                "refreshJwt": jwt(DID, "com.atproto.refresh"),
                "handle": data["identifier"],
                "did": DID,
                "active": True,
            }
        if not seen.headers.get("authorization", "").startswith("Bearer "):
            return 401, {"error": "AuthenticationRequired", "message": "no token"}
        if path == "/xrpc/com.atproto.repo.uploadBlob":
            return 200, {
                "blob": {
                    "$type": "blob",
                    "ref": {"$link": cid(seen.body)},
                    "mimeType": seen.headers.get("content-type", ""),
                    "size": len(seen.body),
                }
            }
        if path == "/xrpc/com.atproto.repo.createRecord":
            data = seen.json()
            rkey = data.get("rkey") or "3kabcdefghij2"
            if rkey in self.records:
                return 400, {"error": "InvalidRequest", "message": "Record already exists"}
            self.records.add(rkey)
            return 200, {
                "uri": f"at://{data['repo']}/{data['collection']}/{rkey}",
                "cid": cid(seen.body, codec=0x71),
            }
        return 404, {"error": "MethodNotImplemented", "message": "not here"}


class FakeMastodon(FakeServer):
    def answer(self, seen: Seen, path: str) -> tuple[int, Any]:
        if seen.headers.get("authorization") != f"Bearer {TOKEN}":
            return 401, {"error": "The access token is invalid"}
        if path == "/api/v1/accounts/verify_credentials":
            return 200, {"id": "109", "username": "alices", "acct": "alices"}
        if path == "/api/v2/media":
            form = seen.form()
            number = len(self.to(path))
            return 200, {
                "id": f"2234864{number}",
                "type": "image",
                "url": f"{self.url}/media/{number}.png",
                "description": form.get("description"),
            }
        if path == "/api/v1/statuses":
            key = seen.headers.get("idempotency-key")
            statuses = self.to(path)
            first = next(
                (i for i, r in enumerate(statuses) if r.headers.get("idempotency-key") == key),
                len(statuses) - 1,
            )
            number = first + 1
            return 200, {
                "id": f"11000{number}",
                "url": f"https://social.example/@alices/11000{number}",
                "content": seen.json()["status"],
            }
        return 404, {"error": "Record not found"}
