"""HTTP signatures as the fediverse uses them: draft-cavage, rsa-sha256, with a Digest header.

Signing follows Mastodon: `(request-target) host date digest content-type` for a POST, the
Digest being `SHA-256=<base64>` of the exact body, and `(request-target) host date accept` for
a GET (servers in "secure mode" refuse unsigned fetches). Verifying requires at least
`(request-target) host date digest` to be signed, a Date within ±12 hours (Mastodon's window)
and a Digest equal to the body's; the caller supplies the public key.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from functools import lru_cache
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

DATE_WINDOW = timedelta(hours=12)
REQUIRED_HEADERS = ("(request-target)", "host", "date", "digest")
ALGORITHMS = frozenset({"rsa-sha256", "hs2019"})  # hs2019: "look at the key"; ours are RSA


class SignatureError(Exception):
    """The request is not acceptably signed; `status` and the message go back to the sender."""

    def __init__(self, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.status = status


def generate_key_pair() -> tuple[str, str]:
    """A new RSA 2048 key pair as (private PEM, public PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@lru_cache(maxsize=256)
def _private_key(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("only RSA keys are supported")
    return key


@lru_cache(maxsize=1024)
def _public_key(pem: str) -> rsa.RSAPublicKey | None:
    try:
        key = serialization.load_pem_public_key(pem.encode())
    except ValueError:
        return None
    return key if isinstance(key, rsa.RSAPublicKey) else None


def digest(body: bytes) -> str:
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def http_date(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


def host_of(url: str) -> str:
    """The Host header a client sends for `url` (the port only when it is not the default)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    default = 443 if parts.scheme == "https" else 80
    return f"{host}:{parts.port}" if parts.port and parts.port != default else host


def _signing_string(names: list[str], method: str, path: str, headers: Mapping[str, str]) -> str:
    lines = []
    for name in names:
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {path}")
        else:
            lines.append(f"{name}: {headers[name]}")
    return "\n".join(lines)


def _signed(
    method: str, url: str, headers: dict[str, str], *, private_key_pem: str, key_id: str
) -> dict[str, str]:
    """`headers` (lower-case names) plus a Signature over `(request-target)` and all of them."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    names = ["(request-target)", *headers]
    message = _signing_string(names, method, path, headers).encode()
    signature = _private_key(private_key_pem).sign(message, padding.PKCS1v15(), hashes.SHA256())
    encoded = base64.b64encode(signature).decode()
    headers["signature"] = (
        f'keyId="{key_id}",algorithm="rsa-sha256",headers="{" ".join(names)}",signature="{encoded}"'
    )
    return {name.title(): value for name, value in headers.items()}


def sign(
    *, private_key_pem: str, key_id: str, url: str, body: bytes, now: datetime
) -> dict[str, str]:
    """The headers that sign a POST of `body` to `url`, shaped exactly as Mastodon's."""
    headers = {
        "host": host_of(url),
        "date": http_date(now),
        "digest": digest(body),
        "content-type": "application/activity+json",
    }
    return _signed("post", url, headers, private_key_pem=private_key_pem, key_id=key_id)


def sign_get(
    *, private_key_pem: str, key_id: str, url: str, accept: str, now: datetime
) -> dict[str, str]:
    """The headers that sign a GET of `url` as Mastodon signs its fetches (authorized fetch):
    `(request-target) host date accept`. There is no body, so no Digest.

    The Accept header is returned too, because it is signed: the caller must send it as is.
    """
    headers = {"host": host_of(url), "date": http_date(now), "accept": accept}
    return _signed("get", url, headers, private_key_pem=private_key_pem, key_id=key_id)


_PARAM = re.compile(r'\s*([a-zA-Z]+)\s*=\s*"([^"]*)"\s*(?:,|$)')


def parse_signature(header: str) -> dict[str, str]:
    """The parameters of a Signature header; SignatureError(400) if it is malformed."""
    params: dict[str, str] = {}
    position = 0
    header = header.strip()
    while position < len(header):
        found = _PARAM.match(header, position)
        if not found:
            raise SignatureError("the Signature header is malformed", 400)
        params[found.group(1)] = found.group(2)
        position = found.end()
    for required in ("keyId", "signature"):
        if not params.get(required):
            raise SignatureError(f"the Signature header has no {required}", 400)
    return params


def check_request(
    *,
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
) -> dict[str, str]:
    """Check everything but the key: headers signed, Date fresh, Digest right.

    `headers` has lower-case names. Returns the parsed Signature parameters, with the list of
    signed header names under "headers".
    """
    raw = headers.get("signature")
    if not raw:
        raise SignatureError("the request is not signed: a Signature header is required")
    params = parse_signature(raw)
    algorithm = params.get("algorithm", "rsa-sha256").lower()
    if algorithm not in ALGORITHMS:
        raise SignatureError(f"the signature algorithm {algorithm!r} is not supported", 400)
    names = params.get("headers", "date").lower().split()
    missing = [name for name in REQUIRED_HEADERS if name not in names]
    if missing:
        raise SignatureError("these headers must be signed: " + ", ".join(missing))
    for name in names:
        if name != "(request-target)" and name not in headers:
            raise SignatureError(f"the signed header {name!r} is missing from the request", 400)
    try:
        sent = parsedate_to_datetime(headers["date"])
    except (TypeError, ValueError, IndexError):
        raise SignatureError("the Date header is not an HTTP date", 400) from None
    if sent.tzinfo is None or abs(now - sent) > DATE_WINDOW:
        raise SignatureError("the Date header is more than 12 hours away from our clock")
    declared = headers["digest"]
    sha256 = [
        part.split("=", 1)[1]
        for part in declared.split(",")
        if "=" in part and part.split("=", 1)[0].strip().lower() == "sha-256"
    ]
    if not sha256:
        raise SignatureError("the Digest header must carry a SHA-256 digest", 400)
    expected = digest(body).split("=", 1)[1]
    if sha256[0].strip() != expected:
        raise SignatureError("the Digest header does not match the body", 400)
    params["headers"] = " ".join(names)
    params["_signing_string"] = _signing_string(names, method, path, headers)
    return params


def verify(params: Mapping[str, str], public_key_pem: str) -> bool:
    """Whether the signature in `params` (from check_request) was made by this key."""
    key = _public_key(public_key_pem)
    if key is None:
        return False
    try:
        signature = base64.b64decode(params["signature"], validate=True)
        key.verify(
            signature,
            params["_signing_string"].encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except (InvalidSignature, ValueError):
        return False
    return True
