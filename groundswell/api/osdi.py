"""OSDI resources as HAL+JSON dictionaries: the one place that knows their shape.

Field names follow the OSDI 1.x documents for the API entry point, petitions, signatures,
people, the record signature helper and errors. Groundswell-only fields carry the
`groundswell:` prefix, as OSDI asks of vendor extensions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from groundswell.actions.models import Petition, Signature
from groundswell.supporters.models import Supporter

from .models import ApiToken

HAL_JSON = "application/hal+json"
SYSTEM = "groundswell"  # the "[system name]" part of OSDI identifiers
ORIGIN = "Groundswell"
DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100
CURIES = [
    {
        "name": "osdi",
        "href": "https://opensupporter.github.io/osdi-docs/{rel}.html",
        "templated": True,
    }
]

Json = dict[str, Any]


def url(
    name: str, params: Mapping[str, int] | None = None, query: Mapping[str, int] | None = None
) -> str:
    # Absolute links from SITE_URL, never from the request's Host header.
    path = reverse(f"api:osdi:{name}", kwargs=dict(params or {}))
    return settings.SITE_URL + path + (f"?{urlencode(query)}" if query else "")


def link(name: str, **params: int) -> Json:
    return {"href": url(name, params)}


def stamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def identifiers(obj: Any) -> list[str]:
    return [f"{SYSTEM}:{obj.pk}"]


def petition_resource(petition: Petition) -> Json:
    # The tally, recounted in batches: a listing never runs COUNT(*) per petition.
    tally = getattr(petition, "tally", None)
    target = ", ".join(part for part in (petition.target_name, petition.target_role) if part)
    resource: Json = {
        "identifiers": identifiers(petition),
        "origin_system": ORIGIN,
        "created_date": stamp(petition.created_at),
        "name": petition.title,
        "title": petition.title,
        "petition_text": petition.ask,
        "total_signatures": tally.confirmed if tally else 0,
        "target": [{"name": target}],
        "groundswell:pending_signatures": tally.pending if tally else 0,
        "groundswell:goal": petition.goal,
        "groundswell:status": petition.status,
        "groundswell:accepting_signatures": petition.accepting_signatures,
        "groundswell:deadline": stamp(petition.deadline),
    }
    if petition.campaign.is_public:
        resource["browser_url"] = settings.SITE_URL + petition.get_absolute_url()
    resource["_links"] = {
        "self": link("petition", petition_id=petition.pk),
        "osdi:signatures": link("petition_signatures", petition_id=petition.pk),
        "osdi:record_signature_helper": link("record_signature_helper", petition_id=petition.pk),
    }
    return resource


def signature_resource(signature: Signature) -> Json:
    """`signature.supporter` should be loaded: an erased supporter's words are not shown."""
    erased = signature.supporter.erased_at is not None
    resource: Json = {
        "identifiers": identifiers(signature),
        "origin_system": ORIGIN,
        "created_date": stamp(signature.created_at),
        "modified_date": stamp(signature.updated_at),
        "action_date": stamp(signature.created_at),
        "comments": "" if erased else signature.comment,
        "referrer_data": {} if erased else dict(signature.referrer_data),
        "groundswell:status": signature.state,
        "groundswell:confirmed_date": stamp(signature.confirmed_at),
        "groundswell:wants_updates": signature.wants_updates,
        # OSDI has no field for a signature found to be fraudulent (docs/api.md): it stays
        # listed, marked, and counts in no total.
        "groundswell:invalidated": signature.invalidated_at is not None,
        "groundswell:invalidated_date": stamp(signature.invalidated_at),
        "_links": {
            "self": link("signature", petition_id=signature.petition_id, signature_id=signature.pk),
            "osdi:petition": link("petition", petition_id=signature.petition_id),
            "osdi:person": link("person", person_id=signature.supporter_id),
        },
    }
    return resource


def person_resource(supporter: Supporter) -> Json:
    resource: Json = {
        "identifiers": identifiers(supporter),
        "origin_system": ORIGIN,
        "created_date": stamp(supporter.created_at),
        "modified_date": stamp(supporter.updated_at),
    }
    if supporter.erased_at is not None:
        # Erased on request: the record stays so counts and links hold, the person does not.
        resource.update(
            {
                "groundswell:erased_date": stamp(supporter.erased_at),
                "email_addresses": [],
                "postal_addresses": [],
            }
        )
    else:
        resource.update(
            {
                "given_name": supporter.given_name,
                "family_name": supporter.family_name,
                "email_addresses": (
                    [{"primary": True, "address": supporter.email}] if supporter.email else []
                ),
                "postal_addresses": (
                    [
                        {
                            "primary": True,
                            "postal_code": supporter.postcode,
                            "country": supporter.country,
                        }
                    ]
                    if supporter.postcode or supporter.country
                    else []
                ),
            }
        )
    resource["_links"] = {
        "self": link("person", person_id=supporter.pk),
        "osdi:signatures": link("person_signatures", person_id=supporter.pk),
    }
    return resource


def entry_point(token: ApiToken) -> Json:
    return {
        "motd": f"Groundswell OSDI API for {token.organisation.name}",
        "max_pagesize": MAX_PER_PAGE,
        "vendor_name": ORIGIN,
        "product_name": ORIGIN,
        "_links": {
            "curies": CURIES,
            "self": {**link("entry_point"), "title": "This API entry point"},
            "osdi:petitions": {**link("petitions"), "title": "This organisation's petitions"},
            "osdi:people": {**link("people"), "title": "This organisation's supporters"},
            "osdi:events": {**link("events"), "title": "This organisation's events"},
            "docs": {
                "href": settings.SITE_URL + reverse("api:osdi:openapi-json"),
                "title": "OpenAPI schema of this API",
            },
        },
    }


@dataclass(frozen=True)
class Page:
    number: int
    per_page: int
    total_records: int

    @property
    def total_pages(self) -> int:
        return math.ceil(self.total_records / self.per_page)

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.per_page


def paginate(items: Any, *, page: int, per_page: int) -> tuple[list[Any], Page]:
    """Slice a queryset for one page; per_page is capped at MAX_PER_PAGE, as OSDI allows."""
    current = Page(number=page, per_page=min(per_page, MAX_PER_PAGE), total_records=items.count())
    return list(items[current.offset : current.offset + current.per_page]), current


def collection(
    rel: str,
    resources: Sequence[Json],
    page: Page,
    name: str,
    **params: int,
) -> Json:
    """An OSDI collection: paging counts, links to each member, and the members embedded."""

    def page_url(number: int) -> Json:
        return {"href": url(name, params, {"page": number, "per_page": page.per_page})}

    links: Json = {"self": page_url(page.number), "curies": CURIES}
    if page.number < page.total_pages:
        links["next"] = page_url(page.number + 1)
    if 1 < page.number <= page.total_pages + 1:
        links["previous"] = page_url(page.number - 1)
    links[rel] = [resource["_links"]["self"] for resource in resources]
    return {
        "total_pages": page.total_pages,
        "per_page": page.per_page,
        "page": page.number,
        "total_records": page.total_records,
        "_links": links,
        "_embedded": {rel: list(resources)},
    }


def error(
    status: int, problems: Iterable[tuple[str, str, Sequence[str]]], *, resource: str = ""
) -> Json:
    """An OSDI error document, plus a plain `error` sentence for simple clients.

    `problems` are (error_code, description, properties) triples; `resource` names the
    OSDI resource involved, such as "osdi:signature", when there is one.
    """
    descriptions: list[Json] = [
        {"error_code": code, "description": text, "properties": list(properties)}
        for code, text, properties in problems
    ]
    return {
        "error": " ".join(item["description"] for item in descriptions),
        "osdi:error": {
            "request_type": "atomic",
            "response_code": status,
            "resource_status": [
                {
                    **({"resource": resource} if resource else {}),
                    "response_code": status,
                    "error_descriptions": descriptions,
                }
            ],
        },
    }


class ApiError(Exception):
    """A request we refuse, with the status and the reasons a client can show a person."""

    def __init__(
        self,
        status: int,
        problems: Sequence[tuple[str, str, Sequence[str]]],
        *,
        resource: str = "",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status, problems)
        self.status = status
        self.problems = list(problems)
        self.resource = resource
        self.headers = headers or {}

    @classmethod
    def one(cls, status: int, code: str, text: str, *properties: str) -> ApiError:
        return cls(status, [(code, text, properties)])

    def document(self) -> Json:
        return error(self.status, self.problems, resource=self.resource)
