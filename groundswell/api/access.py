"""What an API token, a member or the public may reach (conventions, habit 2).

A token only ever sees its own organisation's rows; anything else is 404, so a token
cannot even learn that another organisation's petition exists.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from groundswell.accounts.models import Membership
from groundswell.actions.models import Petition, Signature
from groundswell.supporters.models import Supporter

from .models import ApiToken


def request_token(request: HttpRequest) -> ApiToken:
    """The token django-ninja's auth found for this request (every OSDI read requires one)."""
    return request.auth  # type: ignore[attr-defined,no-any-return]


def token_petitions(token: ApiToken) -> QuerySet[Petition]:
    return (
        Petition.objects.for_organisation(token.organisation_id)
        .select_related("organisation", "campaign", "tally")
        .order_by("pk")
    )


def token_petition(token: ApiToken, petition_id: int) -> Petition:
    return get_object_or_404(token_petitions(token), pk=petition_id)


def token_people(token: ApiToken) -> QuerySet[Supporter]:
    return Supporter.objects.for_organisation(token.organisation_id).order_by("pk")


def token_person(token: ApiToken, person_id: int) -> Supporter:
    return get_object_or_404(token_people(token), pk=person_id)


def token_signatures(token: ApiToken) -> QuerySet[Signature]:
    return (
        Signature.objects.filter(petition__organisation_id=token.organisation_id)
        .select_related("supporter")
        .order_by("pk")
    )


def token_signature(token: ApiToken, petition: Petition, signature_id: int) -> Signature:
    return get_object_or_404(token_signatures(token), petition=petition, pk=signature_id)


def signable_petition(petition_id: int) -> Petition:
    """A petition the public may sign through the helper: the same ones the web shows."""
    return get_object_or_404(Petition.objects.public(), pk=petition_id)


def member_token(membership: Membership, token_id: int) -> ApiToken:
    return get_object_or_404(
        ApiToken.objects.for_organisation(membership.organisation), pk=token_id
    )
