"""Signing helpers for the supporter tests: real signatures through the actions services."""

from collections.abc import Callable

import pytest

from groundswell import testing
from groundswell.accounts.models import Organisation, User
from groundswell.actions.models import Petition, Signature
from groundswell.actions.services import SignatureRequest, confirm_signature, sign_petition
from groundswell.referrals.models import ShareToken
from groundswell.supporters.models import Supporter


@pytest.fixture
def sign() -> Callable[..., Signature]:
    """sign(petition, email, ...) → Signature; `via` is the supporter whose link was used."""

    def sign(
        petition: Petition,
        email: str,
        *,
        given_name: str = "Asha",
        family_name: str = "Verma",
        confirm: bool = True,
        wants_updates: bool = True,
        via: Supporter | None = None,
        channel: str = "web",
        comment: str = "",
        url: str = "",
        postcode: str = "",
    ) -> Signature:
        token = ""
        if via is not None:
            token = ShareToken.objects.get(supporter=via, petition=petition).token
        result = sign_petition(
            petition,
            SignatureRequest(
                email=email,
                given_name=given_name,
                family_name=family_name,
                postcode=postcode,
                comment=comment,
                wants_updates=wants_updates,
                referral_token=token,
                referrer_data={
                    "source": channel,
                    "referrer": token,
                    "website": "news.example" if url else "",
                    "url": url,
                },
                source_url=url,
            ),
        )
        if confirm:
            confirm_signature(result.signature.pk)
        result.signature.refresh_from_db()
        return result.signature

    return sign


@pytest.fixture
def member_with_role(org: Organisation) -> Callable[[str], User]:
    """member_with_role("analyst") → a new user holding that role in alice's organisation."""

    def make(role: str) -> User:
        user = testing.make_user(f"{role}-person@example.org", f"A {role}")
        testing.add_member(org, user, role)
        return user

    return make
