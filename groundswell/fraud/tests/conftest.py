"""Signatures from chosen networks and domains, at chosen times, for the fraud tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from groundswell.actions.models import Petition, Signature
from groundswell.actions.services import SignatureRequest, sign_petition

Sign = Callable[..., list[Signature]]


@pytest.fixture
def signed() -> Sign:
    """`signed(petition, n, network=..., domain=..., at=..., confirmed=True)`: n new
    signatures recorded as the worker records them, created at `at` if given."""
    counter = iter(range(1_000_000))

    def make(
        petition: Petition,
        n: int,
        *,
        network: str = "192.0.2.0/24",
        domain: str = "example.net",
        at: datetime | None = None,
        confirmed: bool = True,
        referred_by: Signature | None = None,
    ) -> list[Signature]:
        made = []
        for _ in range(n):
            number = next(counter)
            request = SignatureRequest(
                email=f"person{number}-{petition.pk}@{domain}",
                given_name=f"Person{number}",
                network=network,
            )
            if referred_by is not None:
                from groundswell.referrals.models import ShareToken

                token = ShareToken.objects.filter(supporter=referred_by.supporter).first()
                assert token is not None
                request.referral_token = token.token
            signature = sign_petition(petition, request).signature
            made.append(signature)
        rows = Signature.objects.filter(pk__in=[s.pk for s in made])
        if confirmed:
            rows.update(state="confirmed")
        if at is not None:
            rows.update(created_at=at, updated_at=at)
        for signature in made:
            signature.refresh_from_db()
        return made

    return make
