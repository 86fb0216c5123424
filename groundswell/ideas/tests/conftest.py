from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from groundswell.accounts.models import Membership
from groundswell.ideas import services
from groundswell.ideas.models import Challenge


def make_challenge(owner: Membership, **fields: object) -> Challenge:
    now = timezone.now()
    data = {
        "campaign": None,
        "question": "How should Alderbrook spend its river fund?",
        "description": "Tell us what would make the river better for everyone.",
        "opens_at": now - timedelta(days=1),
        "closes_at": now + timedelta(days=30),
        "currency": "GBP",
        **fields,
    }
    return services.save_challenge(owner, None, data)


@pytest.fixture
def challenge(owner: Membership) -> Challenge:
    return make_challenge(owner)
