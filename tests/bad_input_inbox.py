"""Bad deliveries to an ActivityPub inbox: spoilt activities, and signatures that fail.

The cast's remote actor is known with its key (and was checked a moment ago, so a bad
signature is refused on the spot rather than queued for the worker to fetch the key again).
Most requests carry its key id with a signature by the wrong key, a broken Signature header,
a Digest of another body, or a stale Date: each must be refused. The rest are signed with
the right key around a spoilt activity, which reach the inbox's own checks.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from groundswell.federation import documents
from groundswell.federation.tests.peers import mastodon_sign

from .bad_input_cast import Cast
from .bad_input_strategies import Sent, encode, json_values, junk_text

ACTIVITY_JSON = "application/activity+json"


def activity(cast: Cast, number: int) -> dict[str, Any]:
    return {
        "@context": documents.AS_CONTEXT,
        "id": f"{cast.remote_actor}#follows/{number}",
        "type": "Follow",
        "actor": cast.remote_actor,
        "object": documents.site_url() + f"/ap/actors/{cast.by_parameter['pk']}",
    }


@st.composite
def deliveries(draw: st.DrawFn, cast: Cast, path: str) -> Sent:
    document: Any = activity(cast, draw(st.integers(min_value=1, max_value=10**6)))
    spoil = draw(
        st.sampled_from(["none", "field", "drop", "shape", "nul", "deep", "not-json", "junk"])
    )
    if spoil == "field":
        document[draw(st.sampled_from(list(document)))] = draw(json_values)
    elif spoil == "drop":
        del document[draw(st.sampled_from(["id", "type", "actor", "object"]))]
    elif spoil == "shape":
        document = draw(st.sampled_from([[document], "Follow", 1, None]))
    elif spoil == "nul":
        document[draw(st.sampled_from(["id", "type", "object"]))] += "\x00"
    elif spoil == "junk":
        document = draw(json_values)
    if spoil == "deep":
        body = b'{"type":"Follow","object":' + b"[" * 5_000 + b"]" * 5_000 + b"}"
    elif spoil == "not-json":
        body = draw(st.sampled_from([b"{", b"\xff\xfe{}", b"<xml/>", b""]))
    else:
        body = encode(json.dumps(document, ensure_ascii=draw(st.booleans())))
    signing = draw(
        st.sampled_from(["wrong-key", "wrong-key", "unsigned", "header", "digest", "date"])
        | (st.just("right-key") if spoil != "none" else st.nothing())
    )
    url = documents.site_url() + path
    key = cast.right_key if signing in ("right-key", "digest", "date") else cast.wrong_key
    when = datetime.now(UTC)
    if signing == "date":
        when -= draw(st.sampled_from([timedelta(hours=13), timedelta(days=400)]))
    headers = mastodon_sign(key, cast.remote_key_id, url, body, date=when)
    if signing == "unsigned":
        del headers["Signature"]
    elif signing == "header":
        headers["Signature"] = draw(
            junk_text
            | st.sampled_from(
                [
                    'keyId="x"',
                    f'keyId="{cast.remote_key_id}",headers="date",signature="AAAA"',
                    f'keyId="{cast.remote_key_id}",algorithm="hs2019",signature="!!"',
                    f'keyId="{cast.remote_key_id}",headers="(request-target) host date '
                    f'digest",signature="{"A" * 5000}"',
                ]
            )
        )
    elif signing == "digest":
        # Signed over this Digest, which is not the body's: the site must check the body.
        headers = mastodon_sign(key, cast.remote_key_id, url, b"another body", date=when)
    content_type = headers.pop("Content-Type")
    if draw(st.integers(0, 9)) == 0:
        content_type = draw(st.sampled_from(["text/plain", "application/json", ""]))
    must = signing != "right-key" or spoil in ("shape", "nul", "deep", "not-json")
    return Sent(body, content_type, must, f"{signing} {spoil}", headers=headers)
