"""A self-hosted proof-of-work check: a browser spends about a second of a phone's CPU per
signature, a script that wants thousands of signatures spends thousands of seconds.

Issuing a challenge keeps no state: it is `<expires>.<tries>.<seed>` signed with the site's
secret (django.core.signing, HMAC-SHA256), where `seed` is 12 random bytes and `tries` the
expected number of hashes. The browser (static/groundswell/proof-worker.js, in a Web Worker)
picks its own random `nonce` (16 hex digits) and counts up from 0 until

    SHA-256("<seed>:<nonce>:<counter>"), first 4 bytes read as a big-endian number,
    is below 2**32 // tries

and sends `<nonce>.<counter>`. Checking it is one HMAC and one hash. The browser's nonce
lets one challenge serve every reader of a cached page copy (lib/pagecache.py shares a copy
for a second): each reader still has a search of their own. A solution can be sent twice;
`check()` cannot know, as it keeps no state, so it returns the pair `<seed>:<nonce>` for the
worker to record and compare (a replay is a signal on the signature, not a refusal).

Modelled loosely on the shape of the ALTCHA protocol (a signed salt, an expiry and a
brute-forced counter), written for this project; see docs/safety.md for the difficulty.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time

from django.core import signing

# The expected number of hashes per solution: about a second on a mid-range phone.
# proof-worker.js does 550,000-740,000 tries a second in a Web Worker on one core of the
# 2-vCPU machine the benchmarks use; a mid-range phone runs JavaScript about four times
# slower (what Lighthouse's 4x CPU slowdown stands for), 140,000-185,000 a second.
# bench/proof_of_work.py measures it; docs/safety.md has the figures.
EXPECTED_TRIES = 150_000
# How long a page's challenge may be solved and sent. A tab left open longer meets a clear
# "press Sign again" with a fresh challenge (its script solves that one).
LIFETIME_SECONDS = 2 * 3600
_SIGNER_SALT = "groundswell.proof-of-work"
_CHALLENGE = re.compile(r"([0-9]{1,12})\.([0-9]{1,10})\.([A-Za-z0-9_-]{16})")
_PROOF = re.compile(r"([0-9a-f]{16})\.([0-9]{1,12})")


class Refused(Exception):
    """The solution does not count: `expired` says whether only its time ran out."""

    def __init__(self, *, expired: bool = False) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def new_challenge(*, tries: int | None = None, now: float | None = None) -> str:
    """`<expires>.<tries>.<seed>:<signature>`, for the sign form's hidden field."""
    moment = time.time() if now is None else now
    seed = secrets.token_urlsafe(12)
    expected = EXPECTED_TRIES if tries is None else tries
    value = f"{int(moment) + LIFETIME_SECONDS}.{expected}.{seed}"
    return signing.Signer(salt=_SIGNER_SALT).sign(value)


def target(tries: int) -> int:
    """The first four bytes of a solution's hash, as a number, must be below this."""
    return (1 << 32) // max(1, tries)


def _digest_head(seed: str, nonce: str, counter: int | str) -> int:
    digest = hashlib.sha256(f"{seed}:{nonce}:{counter}".encode("ascii")).digest()
    return int.from_bytes(digest[:4], "big")


def check(challenge: str, proof: str, *, now: float | None = None) -> str:
    """The replay key `<seed>:<nonce>` of a good solution; raises `Refused` otherwise."""
    try:
        value = signing.Signer(salt=_SIGNER_SALT).unsign(challenge)
    except signing.BadSignature:
        raise Refused from None
    parts = _CHALLENGE.fullmatch(value)
    solved = _PROOF.fullmatch(proof)
    if parts is None or solved is None:
        raise Refused
    expires, tries, seed = int(parts[1]), int(parts[2]), parts[3]
    nonce, counter = solved[1], solved[2]
    if counter != str(int(counter)):  # one spelling per counter: "007" is not "7"
        raise Refused
    if expires < (time.time() if now is None else now):
        raise Refused(expired=True)
    if _digest_head(seed, nonce, counter) >= target(tries):
        raise Refused
    return f"{seed}:{nonce}"


def solve(challenge: str, *, nonce: str | None = None) -> str:
    """What the browser does, in Python: for tests and load generators."""
    value = challenge.rsplit(":", 1)[0]
    parts = _CHALLENGE.fullmatch(value)
    assert parts is not None, "not a challenge"
    tries, seed = int(parts[2]), parts[3]
    nonce = nonce or secrets.token_hex(8)
    limit = target(tries)
    counter = 0
    while _digest_head(seed, nonce, counter) >= limit:
        counter += 1
    return f"{nonce}.{counter}"
