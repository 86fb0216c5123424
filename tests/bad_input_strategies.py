"""Hypothesis strategies for bad requests: each draws a `Sent`, one request to make.

A request is built from something nearly right (a form filled in as a person would, a JSON
body drawn from the OpenAPI schema, a signed Follow) and then spoilt in one or more ways.
`must_refuse` says the spoiling leaves no reading under which the site could take it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_from_bytes

from hypothesis import strategies as st

from .bad_input_html import Field, Form

JUNK = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "中文",
    "🙂" * 40,
    "\u202eevil",
    "e\u0301" * 30,
    "\u200b",
    "99999999999999999999",
    "-1",
    "1e309",
    "NaN",
    "null",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "%00",
    "%ZZ",
    "a" * 5000,
    "\r\nSet-Cookie: x=1",
]
# Percent-encodings that do not decode to UTF-8: a lone surrogate, a stray continuation
# byte, a truncated sequence, an overlong slash, a byte no UTF-8 uses.
BAD_PERCENT = ["%ED%A0%80", "%80", "%E4%B8", "%C0%AF", "%FF%FE", "%F4%90%80%80"]
junk_text = st.sampled_from(JUNK) | st.text(max_size=60)
CONTENT_TYPES = [
    "application/json",
    "text/plain",
    "application/xml",
    "multipart/form-data",  # without a boundary
    "multipart/form-data; boundary=nothing-like-the-body",
    "application/x-www-form-urlencoded; charset=utf-16",
    "application/x-www-form-urlencoded; charset=not-a-charset",
    "",
]


@dataclass
class Sent:
    body: bytes
    content_type: str
    must_refuse: bool
    how: str
    path: str = ""  # empty: the target's own URL
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    method: str = "POST"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))  # Hypothesis prints examples with this, not __repr__

    def __repr__(self) -> str:  # a failing example's report stays readable
        body = self.body if len(self.body) <= 300 else self.body[:300] + b"..."
        query = "?" + self.query[:200] if self.query else ""
        return (
            f"Sent({self.method} {self.path or '(target)'}{query}"
            f" {self.content_type!r} {self.how!r} must_refuse={self.must_refuse}"
            f" headers={ {k: v[:80] for k, v in self.headers.items()} } body={body!r}"
            f" ({len(self.body)} bytes))"
        )


def encode(text: str) -> bytes:
    # Lone surrogates become the bytes a broken client would send: not UTF-8.
    return text.encode("utf-8", "surrogatepass")


def urlencoded(pairs: list[tuple[str, str]]) -> bytes:
    return b"&".join(
        quote_from_bytes(encode(k), safe="").encode() + b"=" + quote_from_bytes(encode(v)).encode()
        for k, v in pairs
    )


# --- Forms -------------------------------------------------------------------------------

TEXTUAL = ("text", "email", "password", "textarea", "search", "tel", "url")


def _ordinary(one: Field) -> str | None:
    """What a person would put in the field (None: leave it out, like an unticked box)."""
    if one.kind in ("hidden", "button", "submit"):
        return one.value
    if one.kind == "checkbox":
        return "on" if one.required or one.checked else None
    if one.kind == "select":
        return next((option for option in one.options if option), "")
    return {
        "email": "rosa.quint@example.net",
        "password": "a long enough passphrase 7",
        "number": "1",
        "url": "https://example.org/",
        "date": "2025-01-01",
        "textarea": "Because the river matters.",
    }.get(one.kind, "Rosa")


def filled(form: Form) -> list[tuple[str, str]]:
    pairs = []
    for one in form.fields:
        value = _ordinary(one)
        if value is not None:
            pairs.append((one.name, value))
    return pairs


@st.composite
def form_requests(draw: st.DrawFn, form: Form) -> Sent:
    pairs = filled(form)
    fields = [one for one in form.fields if one.kind not in ("button", "submit", "file")]
    required = [one for one in fields if one.required]
    limited = [one for one in fields if one.maxlength]
    textual = [one for one in fields if one.kind in TEXTUAL]
    # A form of one button still has a body to spoil: a field it never asked for.
    fields = fields or [Field("x", "text")]
    ways = ["junk", "bad-utf8", "duplicate", "extra", "content-type", "huge", "many"]
    ways += ["drop", "blank"] * bool(required) + ["too-long"] * bool(limited)
    ways += ["nul"] * bool(textual)
    how = draw(st.sampled_from(ways))
    must = False
    if how in ("drop", "blank"):
        one = draw(st.sampled_from(required))
        pairs = [(k, v) for k, v in pairs if k != one.name]
        if how == "blank":
            # A box is ticked by any value but these (Django's CheckboxInput).
            blanks = ["", "false"] if one.kind == "checkbox" else ["", " ", "\t\r\n"]
            pairs.append((one.name, draw(st.sampled_from(blanks))))
        must = True
    elif how == "too-long":
        one = draw(st.sampled_from(limited))
        extra = draw(st.sampled_from([1, 2, 50, 10_000]))
        letter = draw(st.sampled_from(["a", "é", "中", "🙂"]))
        pairs = _replace(pairs, one.name, letter * ((one.maxlength or 0) + extra))
        must = True
    elif how == "nul":
        one = draw(st.sampled_from(textual))
        pairs = _replace(pairs, one.name, draw(st.sampled_from(["\x00", "Ro\x00sa", "a@b\x00"])))
        must = True
    elif how == "junk":
        for one in draw(st.lists(st.sampled_from(fields), min_size=1, max_size=4)):
            pairs = _replace(pairs, one.name, draw(junk_text))
    elif how == "bad-utf8":
        name = draw(st.sampled_from([one.name for one in fields]))
        body = urlencoded([(k, v) for k, v in pairs if k != name])
        bad = draw(st.sampled_from(BAD_PERCENT))
        body += b"&" + quote_from_bytes(encode(name)).encode() + b"=Ro" + bad.encode()
        return Sent(body, "application/x-www-form-urlencoded", False, how)
    elif how == "duplicate":
        for one in draw(st.lists(st.sampled_from(fields), min_size=1, max_size=4)):
            pairs.append((one.name, draw(junk_text)))
    elif how == "extra":
        names = st.sampled_from(["__proto__", "id", "pk", "state", "is_staff", "a[b]", "\x00"])
        pairs += draw(st.lists(st.tuples(names | junk_text, junk_text), min_size=1, max_size=5))
    elif how == "content-type":
        content_type = draw(st.sampled_from(CONTENT_TYPES))
        body = draw(
            st.sampled_from([json.dumps(dict(pairs)).encode(), urlencoded(pairs), b"\xff\xfe"])
        )
        return Sent(body, content_type, False, f"{how} {content_type}")
    elif how == "huge":
        # Past Django's 2.5 MB limit too. Written out, not quoted: quoting is the slow part.
        one = draw(st.sampled_from(fields))
        size = draw(st.sampled_from([100_000, 1_000_000, 3_000_000]))
        rest = urlencoded([(k, v) for k, v in pairs if k != one.name])
        body = rest + b"&" + urlencoded([(one.name, "")]) + b"a" * size
        return Sent(body, "application/x-www-form-urlencoded", bool(one.maxlength), how)
    elif how == "many":
        count = draw(st.sampled_from([1_001, 5_000]))
        body = urlencoded(pairs) + b"".join(b"&f%d=x" % i for i in range(count))
        return Sent(body, "application/x-www-form-urlencoded", False, how)
    return Sent(urlencoded(pairs), "application/x-www-form-urlencoded", must, how)


def _replace(pairs: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    return [(k, v) for k, v in pairs if k != name] + [(name, value)]


# --- JSON --------------------------------------------------------------------------------


# A value a person would send, by words in a property's title: the body is then acceptable
# but for what the strategy spoils.
PLAUSIBLE = {
    "country": "GB",
    "postal": "SW1A 1AA",
    "url": "https://example.org/",
    "website": "https://example.org/",
    "address": "rosa.quint@example.net",
}


def instance(schema: dict[str, Any], name: str = "") -> Any:
    """A small value of the schema's shape (the first choice of each anyOf); `name` is the
    property's, which says more than a bare string schema."""
    if "anyOf" in schema:
        first: dict[str, Any] = next((s for s in schema["anyOf"] if s.get("type") != "null"), {})
        return instance(first, name)
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        return {key: instance(sub, key) for key, sub in properties.items()}
    if kind == "array":
        return [instance(schema.get("items", {}), name)]
    if kind == "string":
        words = f"{name} {schema.get('title', '')}".lower()
        return next((value for hint, value in PLAUSIBLE.items() if hint in words), "Rosa")
    if kind in ("integer", "number"):
        return 1
    if kind == "boolean":
        return True
    return None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | junk_text,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(junk_text, children, max_size=3)
    ),
    max_leaves=8,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, sub in value.items():
            found += _paths(sub, (*prefix, key))
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            found += _paths(sub, (*prefix, index))
    return found


def _set(value: Any, path: tuple[Any, ...], new: Any) -> None:
    for step in path[:-1]:
        value = value[step]
    if new is _GONE:
        del value[path[-1]]
    else:
        value[path[-1]] = new


_GONE = object()


@st.composite
def json_bodies(draw: st.DrawFn, schema: dict[str, Any]) -> Sent:
    """A body of the schema's shape, spoilt; refusal required where no reading is left."""
    value = instance(schema)
    required = schema.get("required", [])
    how = draw(
        st.sampled_from(
            [
                *("drop", "wrong-type", "too-long", "nul", "surrogate", "shape", "deep"),
                *("bytes", "not-json", "empty", "too-large", "content-type", "junk"),
            ]
        )
    )
    paths = _paths(value)
    must = how in ("shape", "bytes", "not-json", "empty", "too-large", "deep")
    if how == "drop" and required:
        del value[draw(st.sampled_from(required))]
        must = True
    elif how in ("wrong-type", "too-long", "nul", "surrogate", "junk") and paths:
        path = draw(st.sampled_from(paths))
        new = {
            "wrong-type": st.sampled_from([[], {}, 12, 1.5, True, None, "1"]),
            "too-long": st.sampled_from(["a" * 3000, "🙂" * 2100]),
            "nul": st.sampled_from(["\x00", "Ro\x00sa"]),
            "surrogate": st.sampled_from(["\ud800", "a\udfff"]),
            "junk": json_values,
        }[how]
        _set(value, path, draw(new))
    elif how == "shape":
        value = draw(st.sampled_from([[], [value], "person", 12, None, True]))
    elif how == "deep":
        depth = draw(st.sampled_from([200, 5_000, 100_000]))
        return Sent(b"[" * depth + b"]" * depth, "application/json", True, how)
    elif how == "bytes":
        raw = draw(st.binary(min_size=1, max_size=200).filter(lambda b: b.strip() != b""))
        return Sent(b"\xff" + raw, "application/json", True, how)
    elif how == "not-json":
        text = draw(st.sampled_from(["{", "{'a': 1}", "person=1", "NaN", "[1,]", '{"a":1}}']))
        return Sent(text.encode(), "application/json", True, how)
    elif how == "empty":
        return Sent(draw(st.sampled_from([b"", b"  ", b"\n"])), "application/json", True, how)
    elif how == "too-large":
        return Sent(b'{"x":"' + b"a" * 70_000 + b'"}', "application/json", True, how)
    elif how == "content-type":
        content_type = draw(st.sampled_from(CONTENT_TYPES[1:]))
        return Sent(json.dumps(value).encode(), content_type, False, f"{how} {content_type}")
    text = json.dumps(value, ensure_ascii=draw(st.booleans()))
    return Sent(encode(text), "application/json", must, how)


# --- Query strings (the API's reads), raw bodies ----------------------------------------

# Not an integer at all, or outside every range an API parameter allows.
QUERY_JUNK = ["-1", "0", "abc", "1.5", "1e309", "99999999999999999999", "\x00", "\ud800"]


def _outside(value: str, schema: dict[str, Any]) -> bool:
    """Whether `value` cannot be the integer `schema` describes (False if it is no integer)."""
    if schema.get("type") != "integer":
        return False
    try:
        number = int(value)
    except ValueError:
        return True
    return not schema.get("minimum", number) <= number <= schema.get("maximum", number)


@st.composite
def query_strings(draw: st.DrawFn, operation: dict[str, Any]) -> Sent:
    """Junk under the operation's own query parameters (and a few it does not have).

    Junk from QUERY_JUNK that cannot be the integer the schema describes must be refused;
    anything else may be ignored (an unknown name) or read (text that parses).
    """
    schemas = {
        p["name"]: p.get("schema", {})
        for p in operation.get("parameters", [])
        if p.get("in") == "query"
    }
    names = st.sampled_from([*schemas, "page", "per_page", "q"])
    pairs = draw(st.lists(st.tuples(names, st.sampled_from(QUERY_JUNK) | junk_text), min_size=1))
    must = any(  # a repeated name: the last value is the one read
        value in QUERY_JUNK and _outside(value, schemas.get(name, {}))
        for name, value in dict(pairs).items()
    )
    text = urlencoded(pairs).decode()
    return Sent(b"", "", must, "query", query=text, method="GET")


@st.composite
def raw_bodies(draw: st.DrawFn) -> Sent:
    """For a public POST URL with no form and no schema (a webhook, say): anything at all."""
    content_type = draw(st.sampled_from(["application/x-www-form-urlencoded", *CONTENT_TYPES]))
    body = draw(
        st.binary(max_size=300)
        | st.builds(lambda v: encode(json.dumps(v, ensure_ascii=False)), json_values)
        | st.builds(lambda pairs: urlencoded(pairs), st.lists(st.tuples(junk_text, junk_text)))
        | st.sampled_from([b"[" * 5_000, b"a=" + BAD_PERCENT[0].encode(), b"a" * 3_000_000])
    )
    headers = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "Signature": junk_text,
                "X-Hub-Signature-256": st.sampled_from(["sha256=00", "", "sha256=" + "0" * 64]),
                "Stripe-Signature": st.sampled_from(["t=1,v1=00", "garbage"]),
                "Digest": st.sampled_from(["SHA-256=AAAA", "nonsense"]),
            },
        )
    )
    return Sent(body, content_type, False, "raw", headers=dict(headers))
