"""The OSDI API: HAL+JSON over django-ninja, mounted at /api/ (schema at /api/openapi.json).

Reads need an organisation's token in the OSDI-API-Token header. The Record Signature
Helper needs none: like the web form, anyone may sign a public petition, through the
same intake and double opt-in (see helper.py).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.params import functions as param_functions
from ninja.renderers import JSONRenderer
from ninja.security import APIKeyHeader

from groundswell.actions import services as actions
from groundswell.lib import ratelimit

from . import access, donations, events, helper, osdi, services
from .models import ApiToken

TOKEN_HEADER = "OSDI-API-Token"  # noqa: S105 - the header's name, not a secret
# A token is a server-side integration signing on behalf of many people from one address,
# so it gets its own, larger budget; the public shares the web form's budget per address.
TOKEN_SIGN_LIMIT = (300, 60)
MAX_PAGE = 1_000_000


class HalRenderer(JSONRenderer):
    media_type = osdi.HAL_JSON


class OsdiToken(APIKeyHeader):
    param_name = TOKEN_HEADER

    def authenticate(self, request: HttpRequest, key: str | None) -> ApiToken | None:
        return services.authenticate(key)


api = NinjaAPI(
    title="Groundswell OSDI API",
    version="1",
    description="OSDI (Open Supporter Data Interface) petitions, signatures and people.",
    urls_namespace="api:osdi",
    openapi_url="/openapi.json",
    # Ninja's docs page loads scripts from a CDN; we serve none, the schema is enough.
    docs_url=None,
    renderer=HalRenderer(),
    auth=OsdiToken(),
)
router = Router(tags=["OSDI"])


def _respond(request: HttpRequest, error: osdi.ApiError) -> HttpResponse:
    response = api.create_response(request, error.document(), status=error.status)
    for header, value in error.headers.items():
        response[header] = value
    return response


@api.exception_handler(osdi.ApiError)
def _api_error(request: HttpRequest, exc: osdi.ApiError) -> HttpResponse:
    return _respond(request, exc)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    if request.headers.get(TOKEN_HEADER):
        text = _("That API token is not valid: it may have been revoked. Ask an owner for one.")
    else:
        text = _("Send an API token in the OSDI-API-Token header.")
    return _respond(request, osdi.ApiError.one(401, "UNAUTHORIZED", text))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    text = _("There is no such resource, or this token may not see it.")
    return _respond(request, osdi.ApiError.one(404, "NOT_FOUND", text))


@api.exception_handler(NinjaValidationError)
def _bad_parameters(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    problems = []
    for problem in exc.errors:
        name = str(problem.get("loc", ("", ""))[-1])
        text = _("The parameter “%(name)s” is not valid: %(reason)s.") % {
            "name": name,
            "reason": problem.get("msg", ""),
        }
        problems.append(("PARAMETER_INVALID", text, [name]))
    return _respond(request, osdi.ApiError(400, problems))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    error = osdi.ApiError.one(exc.status_code, "HTTP_ERROR", str(exc))
    return _respond(request, error)


# --- Reads ---------------------------------------------------------------------------------

# The function behind ninja's Query shortcut: the shortcut itself reads to mypy as a type.
Page = param_functions.Query(1, ge=1, le=MAX_PAGE)
PerPage = param_functions.Query(
    osdi.DEFAULT_PER_PAGE, ge=1, le=10_000
)  # then capped at MAX_PER_PAGE


@router.get("/", url_name="entry_point", summary="API entry point")
def entry_point(request: HttpRequest) -> osdi.Json:
    return osdi.entry_point(access.request_token(request))


@router.get("/petitions", url_name="petitions", summary="This organisation's petitions")
def petitions(request: HttpRequest, page: int = Page, per_page: int = PerPage) -> osdi.Json:
    rows, current = osdi.paginate(
        access.token_petitions(access.request_token(request)),
        page=page,
        per_page=per_page,
    )
    resources = [osdi.petition_resource(petition) for petition in rows]
    return osdi.collection("osdi:petitions", resources, current, "petitions")


@router.get("/petitions/{int:petition_id}", url_name="petition", summary="One petition")
def petition(request: HttpRequest, petition_id: int) -> osdi.Json:
    found = access.token_petition(access.request_token(request), petition_id)
    return osdi.petition_resource(found)


@router.get(
    "/petitions/{int:petition_id}/signatures",
    url_name="petition_signatures",
    summary="A petition's signatures",
)
def petition_signatures(
    request: HttpRequest, petition_id: int, page: int = Page, per_page: int = PerPage
) -> osdi.Json:
    token = access.request_token(request)
    found = access.token_petition(token, petition_id)
    rows, current = osdi.paginate(
        access.token_signatures(token).filter(petition=found), page=page, per_page=per_page
    )
    resources = [osdi.signature_resource(signature) for signature in rows]
    return osdi.collection(
        "osdi:signatures", resources, current, "petition_signatures", petition_id=found.pk
    )


@router.get(
    "/petitions/{int:petition_id}/signatures/{int:signature_id}",
    url_name="signature",
    summary="One signature",
)
def signature(request: HttpRequest, petition_id: int, signature_id: int) -> osdi.Json:
    token = access.request_token(request)
    found = access.token_petition(token, petition_id)
    return osdi.signature_resource(access.token_signature(token, found, signature_id))


@router.get("/people", url_name="people", summary="This organisation's supporters")
def people(request: HttpRequest, page: int = Page, per_page: int = PerPage) -> osdi.Json:
    rows, current = osdi.paginate(
        access.token_people(access.request_token(request)),
        page=page,
        per_page=per_page,
    )
    resources = [osdi.person_resource(supporter) for supporter in rows]
    return osdi.collection("osdi:people", resources, current, "people")


@router.get("/people/{int:person_id}", url_name="person", summary="One supporter")
def person(request: HttpRequest, person_id: int) -> osdi.Json:
    found = access.token_person(access.request_token(request), person_id)
    return osdi.person_resource(found)


@router.get(
    "/people/{int:person_id}/signatures",
    url_name="person_signatures",
    summary="A supporter's signatures",
)
def person_signatures(
    request: HttpRequest, person_id: int, page: int = Page, per_page: int = PerPage
) -> osdi.Json:
    token = access.request_token(request)
    found = access.token_person(token, person_id)
    rows, current = osdi.paginate(
        access.token_signatures(token).filter(supporter=found), page=page, per_page=per_page
    )
    resources = [osdi.signature_resource(signature) for signature in rows]
    return osdi.collection(
        "osdi:signatures", resources, current, "person_signatures", person_id=found.pk
    )


# --- Record Signature Helper ---------------------------------------------------------------


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """A pydantic JSON schema with its $defs written in place, for an inline OpenAPI body."""
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return resolve(dict(definitions[ref.removeprefix("#/$defs/")]))
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


HELPER_DOCS = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": _inline(helper.RecordSignatureHelperIn.model_json_schema())
            }
        },
    },
    "responses": {
        "200": {"description": "Signed (or signed before): a confirmation email is on its way."},
        "201": {"description": "With the organisation's token: the new signature resource."},
        "400": {"description": "The body or the person is not acceptable; `error` says why."},
        "401": {"description": "An OSDI-API-Token header was sent but is not valid."},
        "403": {"description": "The token belongs to another organisation than the petition."},
        "404": {"description": "No such public petition."},
        "409": {"description": "The petition is closed."},
        "413": {"description": "The body is over 64 KB."},
        "429": {"description": "Too many signatures from one address in a minute."},
    },
}
# The helper is meant for forms on an organisation's own website, so other origins may
# call it. No cookies are involved, and as the token header is not among the allowed
# headers, a page on another site cannot make a visitor's browser send a token.
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
    "Access-Control-Max-Age": "86400",
}


def _optional_token(request: HttpRequest) -> ApiToken | None:
    raw = request.headers.get(TOKEN_HEADER)
    if raw is None:
        return None
    token = services.authenticate(raw)
    if token is None:
        raise AuthenticationError()
    return token


def _helper(request: HttpRequest, petition_id: int) -> tuple[int, osdi.Json]:
    token = _optional_token(request)
    if token is None:
        return helper.take_public(request, petition_id)  # the web form's lean path
    # An organisation's own integration: recorded here, as its answer is the signature
    # itself (its id and links). Its budget (TOKEN_SIGN_LIMIT) keeps this off a spike's path.
    petition = access.signable_petition(petition_id)
    if token.organisation_id != petition.organisation_id:
        # A token is one organisation's integration: it must not lend its larger budget
        # (or its name) to signatures on anyone else's petitions.
        raise osdi.ApiError.one(
            403,
            "TOKEN_WRONG_ORGANISATION",
            _(
                "This API token belongs to another organisation: it records signatures "
                "only on that organisation's petitions. Send the request without a token, "
                "or with a token of the organisation that runs this petition."
            ),
        )
    limit, window = TOKEN_SIGN_LIMIT
    if not ratelimit.hit("api-sign", f"token:{token.pk}", limit=limit, window=window):
        raise helper.rate_limited()
    if not petition.accepting_signatures:
        raise helper.closed()
    data = helper.read_json(request)
    landing = request.META.get("HTTP_REFERER", "")[:2000]
    signed = helper.signature_request(petition, data, source_url=landing)
    try:
        result = actions.sign_petition(petition, signed)
    except ValidationError:  # closed between our check and the signature
        raise helper.closed() from None
    return (201 if result.created else 200), osdi.signature_resource(result.signature)


@router.post(
    "/petitions/{int:petition_id}/record_signature_helper",
    auth=None,
    url_name="record_signature_helper",
    summary="Record Signature Helper: sign a petition",
    openapi_extra=HELPER_DOCS,
)
def record_signature_helper(request: HttpRequest, petition_id: int) -> HttpResponse:
    # The body is read by hand, not by ninja: the size limit must apply before parsing,
    # and a non-UTF-8 or malformed body deserves its own clear answer.
    try:
        status, body = _helper(request, petition_id)
    except (osdi.ApiError, Http404, AuthenticationError) as exc:
        response = api.on_exception(request, exc)
    else:
        response = api.create_response(request, body, status=status)
    # Errors too, so a script on the organisation's site can show the reason.
    for header, value in CORS.items():
        response[header] = value
    return response


@router.api_operation(
    ["OPTIONS"],
    "/petitions/{int:petition_id}/record_signature_helper",
    auth=None,
    include_in_schema=False,
)
def record_signature_helper_preflight(request: HttpRequest, petition_id: int) -> HttpResponse:
    response = HttpResponse(status=204)
    for header, value in CORS.items():
        response[header] = value
    return response


api.add_router("/osdi/v1", router)
api.add_router("/osdi/v1", donations.router)
api.add_router("/osdi/v1", events.router)
