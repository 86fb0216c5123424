"""The Record Signature Helper: read the body, check it, take the signature in.

Everything a stranger can send is refused here with a reason a person can act on; only a
request that would pass the web form is stored. The public's signatures (no token) take the
web form's lean path: one INSERT into the intake (actions/intake.py), recorded by the worker
in batches, so a spike through an organisation's own site costs what the form costs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic import ValidationError as PydanticError
from pydantic_core import PydanticCustomError

from groundswell.actions import intake
from groundswell.actions.limits import within_sign_rate
from groundswell.actions.models import Petition
from groundswell.actions.services import SignatureRequest
from groundswell.lib import ratelimit
from groundswell.lib.addresses import client_range
from groundswell.lib.countries import COUNTRY_CODES
from groundswell.lib.emails import clean_email

from .osdi import ApiError, Json

MAX_BODY_BYTES = 64 * 1024


def _storable(value: str) -> str:
    # JSON may carry "\u0000", which PostgreSQL refuses to store: say so here instead.
    # (Lone surrogates, the other unstorable kind, pydantic refuses as string_unicode.)
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "contains a NUL character")
    return value


storable = AfterValidator(_storable)


def most(length: int) -> StringConstraints:
    # Before `storable` in each Annotated: pydantic then reports "string_too_long".
    return StringConstraints(max_length=length)


class _Lenient(BaseModel):
    # OSDI senders add fields we do not use (identifiers, phone_numbers, add_tags, …):
    # ignore them rather than refuse a valid OSDI request.
    model_config = ConfigDict(extra="ignore")


class EmailAddressIn(_Lenient):
    address: Annotated[str, most(254), storable] | None = None
    primary: bool | None = None


class PostalAddressIn(_Lenient):
    postal_code: Annotated[str, most(20), storable] | None = None
    country: Annotated[str, most(60), storable] | None = None
    primary: bool | None = None


class PersonIn(_Lenient):
    given_name: Annotated[str, most(100), storable] | None = None
    family_name: Annotated[str, most(100), storable] | None = None
    email_addresses: list[EmailAddressIn] = Field(default_factory=list, max_length=20)
    postal_addresses: list[PostalAddressIn] = Field(default_factory=list, max_length=20)


class ReferrerDataIn(_Lenient):
    source: Annotated[str, most(40), storable] | None = None
    referrer: Annotated[str, most(64), storable] | None = None
    website: Annotated[str, most(200), storable] | None = None
    url: Annotated[str, most(2000), storable] | None = None


class RecordSignatureHelperIn(_Lenient):
    """An OSDI Record Signature Helper request, as far as Groundswell reads it."""

    person: PersonIn
    comments: Annotated[str, most(500), storable] | None = None
    referrer_data: ReferrerDataIn | None = None
    # OSDI has no field for "keep me updated"; without it we never assume a yes.
    wants_updates: bool = Field(False, alias="groundswell:wants_updates")


def read_json(request: HttpRequest) -> dict[str, Any]:
    """The body as a JSON object; the size is checked before anything is read or parsed."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    too_large = ApiError.one(
        413, "BODY_TOO_LARGE", _("The body is too large: send at most 64 KB of JSON.")
    )
    if declared > MAX_BODY_BYTES:
        raise too_large
    body = request.body
    if len(body) > MAX_BODY_BYTES:
        raise too_large
    try:
        # No guessing at UTF-16 or Latin-1: JSON on the web is UTF-8 (RFC 8259).
        text = body.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise ApiError.one(400, "BODY_NOT_UTF8", _("The body must be UTF-8 JSON.")) from None
    if not text.strip():
        raise ApiError.one(
            400, "BODY_EMPTY", _("The body is empty: send a JSON object with a “person”.")
        )
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ApiError.one(
            400,
            "BODY_NOT_JSON",
            _("The body is not valid JSON: %(reason)s at line %(line)s, column %(column)s.")
            % {"reason": exc.msg, "line": exc.lineno, "column": exc.colno},
        ) from None
    except (ValueError, RecursionError):  # numbers too long to convert, nesting too deep
        raise ApiError.one(
            400, "BODY_NOT_JSON", _("The body is not JSON this server can read.")
        ) from None
    if not isinstance(data, dict):
        raise ApiError.one(
            400,
            "BODY_NOT_OBJECT",
            _('The body must be a JSON object with a “person”, like {"person": {…}}.'),
        )
    return data


def _path(location: Sequence[int | str]) -> str:
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "body"


def _explain(problem: Any) -> tuple[str, str, list[str]]:
    """One pydantic complaint as an OSDI error description a person can act on."""
    path = _path(problem["loc"])
    kind = problem["type"]
    context = problem.get("ctx") or {}
    if kind == "missing":
        return "FIELD_MISSING", _("%(field)s is required.") % {"field": path}, [path]
    if kind == "string_too_long":
        text = _("%(field)s is too long: at most %(count)s characters.")
        return "FIELD_TOO_LONG", text % {"field": path, "count": context["max_length"]}, [path]
    if kind == "too_long":
        text = _("%(field)s has too many entries: at most %(count)s.")
        return "FIELD_TOO_LONG", text % {"field": path, "count": context["max_length"]}, [path]
    if kind == "string_unicode":
        text = _("%(field)s contains characters that are not valid Unicode.")
        return "FIELD_INVALID", text % {"field": path}, [path]
    if kind == "string_type":
        return "FIELD_INVALID", _("%(field)s must be a string.") % {"field": path}, [path]
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return "FIELD_INVALID", _("%(field)s must be a JSON object.") % {"field": path}, [path]
    if kind == "list_type":
        return "FIELD_INVALID", _("%(field)s must be a list.") % {"field": path}, [path]
    if kind.startswith("bool"):
        return "FIELD_INVALID", _("%(field)s must be true or false.") % {"field": path}, [path]
    if kind == "nul_character":
        text = _("%(field)s contains a NUL character, which cannot be stored.")
        return "FIELD_INVALID", text % {"field": path}, [path]
    return "FIELD_INVALID", _("%(field)s is not valid.") % {"field": path}, [path]


def _pick(items: Sequence[Any], has_value: Any) -> tuple[int, Any] | None:
    """The entry marked primary, else the first one with a value (OSDI allows several)."""
    candidates = [(index, item) for index, item in enumerate(items) if has_value(item)]
    primary = [pair for pair in candidates if pair[1].primary]
    found = primary or candidates
    return found[0] if found else None


def signature_request(
    petition: Petition, data: dict[str, Any], *, source_url: str
) -> SignatureRequest:
    """Check a helper body against the petition, as the sign form would; ApiError if not."""
    try:
        payload = RecordSignatureHelperIn.model_validate(data)
    except PydanticError as exc:
        raise ApiError(400, [_explain(problem) for problem in exc.errors()]) from None
    person = payload.person
    problems: list[tuple[str, str, list[str]]] = []

    email = ""
    picked_email = _pick(person.email_addresses, lambda item: (item.address or "").strip())
    if picked_email is None:
        problems.append(
            (
                "EMAIL_MISSING",
                _("Give the person's email address in person.email_addresses."),
                ["person.email_addresses"],
            )
        )
    else:
        index, entry = picked_email
        try:
            email = clean_email(entry.address)
        except ValidationError as exc:
            where = f"person.email_addresses[{index}].address"
            problems.append(("EMAIL_INVALID", " ".join(exc.messages), [where]))

    given_name = " ".join((person.given_name or "").split())
    if not given_name:
        problems.append(
            (
                "GIVEN_NAME_MISSING",
                _("Enter the person's first name in person.given_name."),
                ["person.given_name"],
            )
        )

    country = postcode = ""
    picked_address = _pick(
        person.postal_addresses, lambda item: (item.country or "").strip() or item.postal_code
    )
    if picked_address is not None:
        index, address = picked_address
        if petition.collect_country and (address.country or "").strip():
            country = address.country.strip().upper()
            if country not in COUNTRY_CODES:
                problems.append(
                    (
                        "COUNTRY_INVALID",
                        _("Give the country as a two-letter ISO 3166 code, like GB or KE."),
                        [f"person.postal_addresses[{index}].country"],
                    )
                )
        if petition.collect_postcode:
            postcode = " ".join((address.postal_code or "").split())

    if problems:
        raise ApiError(400, problems, resource="osdi:person")

    referrer = payload.referrer_data or ReferrerDataIn()
    token = (referrer.referrer or "").strip()
    return SignatureRequest(
        email=email,
        given_name=given_name,
        family_name=" ".join((person.family_name or "").split()),
        country=country,
        postcode=postcode,
        comment=(payload.comments or "").strip() if petition.collect_comment else "",
        wants_updates=payload.wants_updates,
        # A Groundswell share token in `referrer` credits the sharer; anything else (an
        # OSDI "jane-doe" code, a token for another petition) is kept but credits no one.
        referral_token=token,
        referrer_data={
            "source": (referrer.source or "").strip() or ("share" if token else "osdi"),
            "referrer": token,
            "website": (referrer.website or "").strip(),
            "url": (referrer.url or "").strip(),
        },
        source_url=source_url,
        # No browser runs the proof of work here: while staff ask for it, a signature
        # through the helper waits unverified until confirmed, as one from a form without
        # JavaScript does (actions/signals.py).
        proof_wanted=petition.challenge,
    )


def closed() -> ApiError:
    return ApiError.one(
        409, "PETITION_CLOSED", _("This petition is closed and no longer takes signatures.")
    )


def rate_limited() -> ApiError:
    text = _(
        "Too many signatures from your connection in the last minute. "
        "Please wait a minute and try again."
    )
    return ApiError(429, [("RATE_LIMITED", text, [])], headers={"Retry-After": "60"})


def take_public(request: HttpRequest, petition_id: int) -> tuple[int, Json]:
    """A signature from the public (no token): checked like the web form's, then stored with
    one INSERT into the intake; the worker records it and sends the confirmation email.

    Idempotent as the form is: the same person again before the worker recorded them finds
    their intake row; after, the worker sends them the "already signed" email. The answer
    is the same either way, and shows nothing stored.
    """
    petition = intake.petition_for_helper(petition_id)
    if petition is None:
        raise Http404
    if not petition.accepting_signatures:
        raise closed()
    signed = signature_request(
        petition, read_json(request), source_url=request.META.get("HTTP_REFERER", "")[:2000]
    )
    # The public's own network (a token's caller is a server: its address says nothing).
    signed.network = client_range(request)
    # The count and the INSERT share one take of SQLite's write lock, as on the form.
    with ratelimit.one_write():
        allowed = within_sign_rate(request)  # one budget per address, form and helper
        if allowed:
            intake.take(petition, signed)
    if not allowed:
        raise rate_limited()
    # The OSDI spec answers unauthenticated helpers with an empty object; a notice is kinder.
    notice = _(
        "Thank you. We have emailed a link to confirm the signature: "
        "it counts once that link is opened."
    )
    return 200, {"notice": notice}
