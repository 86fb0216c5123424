from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.db import transaction

from groundswell import testing
from groundswell.accounts.models import Organisation, User
from groundswell.moderation import registry, services
from groundswell.moderation.models import ModerationItem

COMMENT = "test.comment"
SHOUT = "test.shout"


@pytest.fixture(autouse=True)
def test_kinds() -> Iterator[None]:
    """Two kinds of our own: comments wait for a moderator, shouts are shown at once."""
    registry.register(registry.Kind(name=COMMENT, label="Comment"))
    registry.register(registry.Kind(name=SHOUT, label="Shout", premoderated=False))
    yield
    registry.unregister(COMMENT)
    registry.unregister(SHOUT)


@pytest.fixture
def submit(org: Organisation) -> Callable[..., ModerationItem]:
    def make(
        text: str = "Lovely river walk today.",
        *,
        kind: str = COMMENT,
        author: str = "https://elsewhere.example/users/zed",
        organisation: Organisation | None = None,
        language: str = "en",
    ) -> ModerationItem:
        with transaction.atomic():
            return services.submit(
                kind,
                organisation or org,
                registry.Submission(
                    text=text,
                    author_key=author,
                    author_label=author.rsplit("/", 1)[-1].title(),
                    language=language,
                    context_label="Otters are back",
                    public_url="/o/alices/",
                ),
            )

    return make


@pytest.fixture
def with_role(org: Organisation) -> Callable[[str], User]:
    def make(role: str) -> User:
        user = testing.make_user(f"{role}-person@example.org", f"A {role}")
        testing.add_member(org, user, role)
        return user

    return make
