"""Staff reads about supporters: the filtered list and one person's history and reach.

Callers check access first (`access.access_supporter`, or `staff_view("supporters.read")`).
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from groundswell.actions.models import Signature, SignatureState
from groundswell.lib.emails import normalise_email
from groundswell.referrals.services import Reach
from groundswell.referrals.services import reach_of as referral_reach

from .models import Consent, Purpose, Supporter


def confirmed_signer() -> Exists:
    return Exists(
        Signature.objects.filter(supporter=OuterRef("pk"), state=SignatureState.CONFIRMED)
    )


def wants_updates() -> Exists:
    # The same test as standing_updates_consent and the update mailing, as one subquery.
    return Exists(Consent.objects.standing(Purpose.UPDATES).filter(supporter=OuterRef("pk")))


def _matching(query: str) -> Q:
    """Every word must appear in a name or the address; a whole address also matches its key.

    The key match finds "A.Sha+news@GoogleMail.com" when the person signed as asha@gmail.com.
    """
    condition = Q()
    for word in query.split():
        condition &= (
            Q(given_name__icontains=word)
            | Q(family_name__icontains=word)
            | Q(email__icontains=word)
            | Q(email_key__icontains=word)
        )
    if "@" in query:
        # Not an address after all? Then the word match above is the whole search.
        with contextlib.suppress(ValidationError, ValueError):
            condition |= Q(email_key=normalise_email(query))
    return condition


def search_supporters(
    organisation: Any,
    *,
    query: str = "",
    confirmed: bool | None = None,
    updates: bool | None = None,
    petition: Any = None,
) -> QuerySet[Supporter]:
    """The organisation's supporters, newest first, each with `signature_count`.

    One query however many rows: the filters are subqueries and the count an annotation.
    """
    supporters = Supporter.objects.for_organisation(organisation)
    query = " ".join(query.split())[:100]
    if query:
        # Erased rows hold no name or address; only their random key could match, by chance.
        supporters = supporters.active().filter(_matching(query))
    if confirmed is not None:
        supporters = supporters.filter(confirmed_signer() if confirmed else ~confirmed_signer())
    if updates is not None:
        supporters = supporters.filter(wants_updates() if updates else ~wants_updates())
    if petition is not None:
        signed = Signature.objects.filter(supporter=OuterRef("pk"), petition=petition)
        supporters = supporters.filter(Exists(signed))
    return supporters.annotate(signature_count=Count("signatures")).order_by("-created_at", "-id")


def supporter_signatures(supporter: Supporter) -> QuerySet[Signature]:
    return (
        Signature.objects.filter(supporter=supporter)
        .select_related("petition", "referred_by")
        .order_by("-created_at", "-id")
    )


def consent_history(supporter: Supporter) -> QuerySet[Consent]:
    return (
        Consent.objects.filter(supporter=supporter)
        .select_related("wording", "petition")
        .order_by("-created_at", "-id")
    )


def reach_of(supporter: Supporter) -> Reach:
    """What the supporter's sharing generated (walked from their own signatures down)."""
    return referral_reach(supporter)
