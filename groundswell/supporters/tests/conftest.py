"""Signing helpers for the supporter tests: real signatures through the actions services."""

import pytest

from groundswell import testing
from groundswell.actions.services import SignatureRequest, confirm_signature, sign_petition
from groundswell.referrals.models import ShareToken


@pytest.fixture
def sign():
    """sign(petition, email, ...) → Signature; `via` is the supporter whose link was used."""

    def sign(
        petition,
        email,
        *,
        given_name="Asha",
        family_name="Verma",
        confirm=True,
        wants_updates=True,
        via=None,
        channel="web",
        comment="",
        url="",
        postcode="",
    ):
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
def member_with_role(org):
    """member_with_role("analyst") → a new user holding that role in alice's organisation."""

    def make(role):
        user = testing.make_user(f"{role}-person@example.org", f"A {role}")
        testing.add_member(org, user, role)
        return user

    return make
