"""Signatures made the real way (actions.services), then aged by moving their timestamps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.actions.models import Petition, Signature
from groundswell.actions.services import SignatureRequest, confirm_signature, sign_petition
from groundswell.supporters.models import Consent, Supporter


@pytest.fixture
def sign() -> Callable[..., Signature]:
    """sign(petition, email, confirm=..., url=...) → the recorded Signature."""

    def sign(
        petition: Petition,
        email: str,
        *,
        confirm: bool = True,
        wants_updates: bool = False,
        url: str = "",
    ) -> Signature:
        result = sign_petition(
            petition,
            SignatureRequest(
                email=email,
                given_name="Ines",
                family_name="Example",
                postcode="ZZ1 1ZZ",
                wants_updates=wants_updates,
                referrer_data={
                    "source": "web",
                    "url": url,
                    "website": "news.example" if url else "",
                },
                source_url=url,
            ),
        )
        if confirm:
            confirm_signature(result.signature.pk)
        result.signature.refresh_from_db()
        return result.signature

    return sign


def age(signature: Signature, moment: datetime) -> None:
    """Make a signature, its person and their consents look as if they all happened at
    `moment` (auto_now fields cannot be set through save())."""
    Signature.objects.filter(pk=signature.pk).update(
        created_at=moment,
        confirmed_at=moment if signature.confirmed_at else None,
    )
    Supporter.objects.filter(pk=signature.supporter_id).update(created_at=moment, updated_at=moment)
    consents = Consent.objects.filter(supporter_id=signature.supporter_id)
    consents.update(created_at=moment)
    consents.filter(confirmed_at__isnull=False).update(confirmed_at=moment)


@pytest.fixture
def other_org(charlie: User) -> Organisation:
    return Organisation.objects.get(slug="charlies")


@pytest.fixture
def other_petition(charlie: User, other_org: Organisation) -> Petition:
    member = testing.membership(charlie, other_org)
    return testing.make_petition(member, testing.make_campaign(member))


@pytest.fixture
def second_petition(owner: Membership, petition: Petition) -> Petition:
    return testing.make_petition(owner, petition.campaign, title="Save the meadow")


DAYS = timedelta(days=1)
