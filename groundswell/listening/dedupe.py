"""Deduplication across sources: the same address, or nearly the same words.

Two signals are the same item when their canonical addresses are equal (`canonical_url`:
scheme and host lower-cased, `www.` dropped, http read as https, the default port, the
fragment and tracking parameters dropped, the query sorted). They are near-duplicates when
the Jaccard similarity of their sets of three-word shingles is at least JACCARD (0.7: one
word changed in a 30-word post leaves about 0.8; a rewording of the same news falls far below).
Comparing every pair would read every text: a 64-bit simhash (Charikar) of the shingles,
stored with each signal, picks the candidates first (at most CANDIDATE_BITS of 64 bits
apart; unrelated texts differ in about 32), and only those are compared exactly. Texts of
fewer than MIN_WORDS words must have the same words (a short post differs from another by a
word or two, and that word is often the point). A near-duplicate is kept, linked to the
first one heard (`duplicate_of`), so its source still counts.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np

JACCARD = 0.7
CANDIDATE_BITS = 18
MIN_WORDS = 8
SHINGLE = 3
TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|igshid|ref_src|ref)$", re.I)
WORD = re.compile(r"\w+")
DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str) -> str:
    """The address two sources would agree on for one item; '' for no address."""
    if not url:
        return ""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return ""
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    if port and port != DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    path = parts.path.rstrip("/") or "/"
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING.match(k)
    )
    # http and https are one item: many feeds still say http for an https page.
    return urlunsplit(
        ("https" if scheme in DEFAULT_PORTS else scheme, host, path, urlencode(query), "")
    )[:500]


def words(text: str) -> list[str]:
    return WORD.findall(text.casefold())


def _hash(value: str) -> int:
    return int.from_bytes(hashlib.blake2b(value.encode(), digest_size=8).digest(), "big")


def simhash(text: str, found: list[str] | None = None) -> int:
    """A signed 64-bit simhash of the text's shingles (signed: it is stored in a BigInteger);
    0 for no words. Bit j is set when more shingles' hashes have it set than not. `found`:
    the text's `words`, when the caller has them already."""
    features = shingles(text, found)
    if not features:
        return 0
    blake2b = hashlib.blake2b
    # The digests read as big-endian integers, as _hash reads one, then laid out in this
    # machine's order so that a row's bytes hold bit 0 first.
    digests = b"".join([blake2b(feature.encode(), digest_size=8).digest() for feature in features])
    hashes = np.frombuffer(digests, dtype=">u8").astype("<u8")
    # One row of 64 bits per hash, bit 0 first; a column's sum is how many hashes set it.
    bits = np.unpackbits(hashes.view(np.uint8).reshape(-1, 8), axis=1, bitorder="little")
    majority = bits.sum(axis=0, dtype=np.int64) * 2 > len(hashes)
    result = int.from_bytes(np.packbits(majority, bitorder="little").tobytes(), "little")
    return result - (1 << 64) if result >= 1 << 63 else result or 1


def shingles(text: str, found: list[str] | None = None) -> set[str]:
    found = words(text) if found is None else found
    if len(found) < MIN_WORDS:
        return {" ".join(found)} if found else set()
    return {" ".join(found[i : i + SHINGLE]) for i in range(len(found) - SHINGLE + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def candidate(a: int, b: int, *, short: bool) -> bool:
    """Whether two fingerprints may be near-duplicates (exactly equal for short texts)."""
    if not a or not b:
        return False
    if short:
        return a == b
    return ((a ^ b) & ((1 << 64) - 1)).bit_count() <= CANDIDATE_BITS


def candidates_among(fingerprint: int, known: np.ndarray, *, short: bool) -> np.ndarray:
    """The positions in `known` (signed 64-bit fingerprints) that `candidate` accepts, in
    order: the same test for a whole array at once."""
    if not fingerprint or not len(known):
        return np.empty(0, dtype=np.intp)
    if short:
        return np.flatnonzero(known == fingerprint)
    apart = np.bitwise_count(np.bitwise_xor(known, np.int64(fingerprint)).view(np.uint64))
    return np.flatnonzero((apart <= CANDIDATE_BITS) & (known != 0))


def near(a: str, b: str) -> bool:
    """Whether two texts are near-duplicates: the same words if short, else JACCARD."""
    first, second = shingles(a), shingles(b)
    if len(words(a)) < MIN_WORDS or len(words(b)) < MIN_WORDS:
        return bool(first) and first == second
    return jaccard(first, second) >= JACCARD
