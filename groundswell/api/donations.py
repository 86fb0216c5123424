"""OSDI fundraising pages and donations, and the Record Donation Helper.

A campaign's appeal is an OSDI fundraising page; its donations (those whose money arrived)
are OSDI donations. Reads and the helper need the organisation's token: the helper records
a donation taken elsewhere (payments/recorded.py), it never takes money. The helper is
idempotent on the donation's `identifiers` (OSDI "system:id"), which it requires: a retry
after a lost answer must not count a gift twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router
from ninja.params import functions as param_functions
from pydantic import Field
from pydantic import ValidationError as PydanticError

from groundswell.lib.emails import clean_email, normalise_email
from groundswell.payments import money
from groundswell.payments.models import Appeal, Donation
from groundswell.payments.recorded import record_donation
from groundswell.payments.services import DonationRequest

from . import access, helper, osdi
from .helper import PersonIn, ReferrerDataIn, _Lenient, most, storable
from .models import ApiToken

router = Router(tags=["OSDI donations"])
# As the other collections (endpoints.py): a page number SQLite can still offset by.
Page = param_functions.Query(1, ge=1, le=1_000_000)
PerPage = param_functions.Query(osdi.DEFAULT_PER_PAGE, ge=1, le=10_000)
COUNTED = ("paid", "active", "refunded", "cancelled")


class RecipientIn(_Lenient):
    display_name: Annotated[str, most(200), storable] | None = None
    amount: float | str | None = None


class RecordDonationHelperIn(_Lenient):
    person: PersonIn
    identifiers: list[Annotated[str, most(255), storable]] = Field(
        default_factory=list, max_length=20
    )
    amount: float | str | None = None
    currency: Annotated[str, most(3), storable] | None = None
    recipients: list[RecipientIn] = Field(default_factory=list, max_length=20)
    action_date: datetime | None = None
    referrer_data: ReferrerDataIn | None = None


def _appeals(token: ApiToken) -> Any:
    return (
        Appeal.objects.filter(organisation_id=token.organisation_id)
        .select_related("campaign", "organisation")
        .order_by("pk")
    )


def page_resource(appeal: Appeal) -> osdi.Json:
    return {
        "identifiers": osdi.identifiers(appeal),
        "origin_system": osdi.ORIGIN,
        "created_date": osdi.stamp(appeal.created_at),
        "modified_date": osdi.stamp(appeal.created_at),
        "title": appeal.campaign.title,
        "currency": appeal.currency,
        "browser_url": settings.SITE_URL + appeal.get_absolute_url(),
        "groundswell:open": appeal.open,
        "_links": {
            "self": osdi.link("fundraising_page", appeal_id=appeal.pk),
            "osdi:donations": osdi.link("fundraising_page_donations", appeal_id=appeal.pk),
            "osdi:record_donation_helper": osdi.link("record_donation_helper", appeal_id=appeal.pk),
        },
    }


def donation_resource(gift: Donation) -> osdi.Json:
    major = money.plain_two(gift.amount, gift.currency)
    refunded = sum(payment.refunded for payment in gift.payments.all())
    return {
        "identifiers": [*osdi.identifiers(gift), *([gift.external_id] if gift.external_id else [])],
        "origin_system": osdi.ORIGIN,
        "created_date": osdi.stamp(gift.created_at),
        "modified_date": osdi.stamp(gift.updated_at),
        "action_date": osdi.stamp(gift.paid_at or gift.created_at),
        "amount": major,
        "currency": gift.currency,
        "credited_amount": money.plain_two(refunded, gift.currency) if refunded else None,
        "recipients": [{"display_name": gift.organisation.name, "amount": major}],
        "payment": {"method": gift.provider, "reference_number": gift.token},
        "voided": gift.state == "refunded",
        "referrer_data": {} if gift.anonymised_at else dict(gift.referrer_data),
        "groundswell:status": gift.state,
        "groundswell:frequency": gift.frequency,
        "_links": {
            "self": osdi.link("donation", appeal_id=gift.appeal_id, donation_id=gift.pk),
            "osdi:fundraising_page": osdi.link("fundraising_page", appeal_id=gift.appeal_id),
            **(
                {"osdi:person": osdi.link("person", person_id=gift.supporter_id)}
                if gift.supporter_id
                else {}
            ),
        },
    }


@router.get("/fundraising_pages", url_name="fundraising_pages", summary="Appeals for money")
def fundraising_pages(request: HttpRequest, page: int = Page, per_page: int = PerPage) -> osdi.Json:
    rows, current = osdi.paginate(
        _appeals(access.request_token(request)), page=page, per_page=per_page
    )
    return osdi.collection(
        "osdi:fundraising_pages", [page_resource(a) for a in rows], current, "fundraising_pages"
    )


@router.get("/fundraising_pages/{int:appeal_id}", url_name="fundraising_page", summary="One appeal")
def fundraising_page(request: HttpRequest, appeal_id: int) -> osdi.Json:
    return page_resource(get_object_or_404(_appeals(access.request_token(request)), pk=appeal_id))


@router.get(
    "/fundraising_pages/{int:appeal_id}/donations",
    url_name="fundraising_page_donations",
    summary="An appeal's donations",
)
def fundraising_page_donations(
    request: HttpRequest, appeal_id: int, page: int = Page, per_page: int = PerPage
) -> osdi.Json:
    appeal = get_object_or_404(_appeals(access.request_token(request)), pk=appeal_id)
    gifts = (
        Donation.objects.filter(appeal=appeal, state__in=COUNTED)
        .select_related("organisation")
        .prefetch_related("payments")
        .order_by("pk")
    )
    rows, current = osdi.paginate(gifts, page=page, per_page=per_page)
    return osdi.collection(
        "osdi:donations",
        [donation_resource(gift) for gift in rows],
        current,
        "fundraising_page_donations",
        appeal_id=appeal.pk,
    )


@router.get(
    "/fundraising_pages/{int:appeal_id}/donations/{int:donation_id}",
    url_name="donation",
    summary="One donation",
)
def donation(request: HttpRequest, appeal_id: int, donation_id: int) -> osdi.Json:
    appeal = get_object_or_404(_appeals(access.request_token(request)), pk=appeal_id)
    gift = get_object_or_404(
        Donation.objects.filter(appeal=appeal, state__in=COUNTED).select_related("organisation"),
        pk=donation_id,
    )
    return donation_resource(gift)


def _amount(payload: RecordDonationHelperIn, currency: str) -> int:
    given = payload.amount
    if given is None and payload.recipients:
        try:
            given = str(sum(Decimal(str(r.amount)) for r in payload.recipients if r.amount))
        except (InvalidOperation, ValueError):
            given = None
    minor = money.parse(str(given), currency) if given is not None else None
    if minor is None or not money.minimum(currency) <= minor <= money.maximum(currency):
        raise osdi.ApiError.one(
            400,
            "AMOUNT_INVALID",
            _("Give the amount in %(currency)s as a number between %(least)s and %(most)s.")
            % {
                "currency": currency,
                "least": money.plain_two(money.minimum(currency), currency),
                "most": money.plain_two(money.maximum(currency), currency),
            },
            "amount",
        )
    return minor


@router.post(
    "/fundraising_pages/{int:appeal_id}/record_donation_helper",
    url_name="record_donation_helper",
    summary="Record Donation Helper: record a gift taken elsewhere",
)
def record_donation_helper(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal = get_object_or_404(_appeals(access.request_token(request)), pk=appeal_id)
    data = helper.read_json(request)
    try:
        payload = RecordDonationHelperIn.model_validate(data)
    except PydanticError as exc:
        raise osdi.ApiError(400, [helper._explain(p) for p in exc.errors()]) from None
    external = next((i.strip() for i in payload.identifiers if ":" in i.strip()), "")
    if not external:
        raise osdi.ApiError.one(
            400,
            "IDENTIFIER_MISSING",
            _(
                "Give the donation an identifier like “crm:1234” in identifiers, so that "
                "sending it again does not count it twice."
            ),
            "identifiers",
        )
    if payload.currency and payload.currency.upper() != appeal.currency:
        raise osdi.ApiError.one(
            400,
            "CURRENCY_MISMATCH",
            _("This fundraising page takes %(currency)s.") % {"currency": appeal.currency},
            "currency",
        )
    minor = _amount(payload, appeal.currency)
    person = _person(payload.person)
    referrer = payload.referrer_data or ReferrerDataIn()
    recorded = record_donation(
        appeal,
        DonationRequest(
            email=person.email,
            email_key=normalise_email(person.email),
            given_name=person.given_name,
            family_name=person.family_name,
            amount=minor,
            frequency="once",
            referrer_data={"source": (referrer.source or "").strip() or "osdi"},
        ),
        external_id=external,
        paid_at=payload.action_date,
    )
    body = donation_resource(Donation.objects.get(pk=recorded.donation.pk))
    return JsonResponse(body, status=201 if recorded.created else 200, content_type=osdi.HAL_JSON)


@dataclass(frozen=True)
class _Donor:
    email: str
    given_name: str
    family_name: str


def _person(person: PersonIn) -> _Donor:
    """The donor's address and name, checked as the signature helper checks them."""
    addresses = [a for a in person.email_addresses if (a.address or "").strip()]
    chosen = next((a for a in addresses if a.primary), addresses[0] if addresses else None)
    if chosen is None:
        raise osdi.ApiError.one(
            400,
            "EMAIL_MISSING",
            _("Give the person's email address in person.email_addresses."),
            "person.email_addresses",
        )
    try:
        email = clean_email(chosen.address or "")
    except ValidationError as exc:
        raise osdi.ApiError.one(
            400, "EMAIL_INVALID", " ".join(exc.messages), "person.email_addresses"
        ) from None
    given = " ".join((person.given_name or "").split())
    if not given:
        raise osdi.ApiError.one(
            400,
            "GIVEN_NAME_MISSING",
            _("Enter the person's first name in person.given_name."),
            "person.given_name",
        )
    return _Donor(email, given, " ".join((person.family_name or "").split()))
