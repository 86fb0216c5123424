"""The one way staff code reaches a supporter: 403 for a role without personal data, else 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User
from groundswell.actions.models import Petition
from groundswell.supporters.access import access_supporter, require_own
from groundswell.supporters.erasure import erase_supporter
from groundswell.supporters.models import Supporter
from groundswell.supporters.subject_access import export_supporter_data


@pytest.fixture
def asha(petition: Petition, sign: Callable[..., Any]) -> Supporter:
    supporter: Supporter = sign(petition, "asha@example.net").supporter
    return supporter


@pytest.fixture
def charlies(charlie: User) -> Membership:
    return testing.membership(charlie, charlie.memberships.get().organisation)


def test_owners_and_editors_reach_their_own_supporters(
    owner: Membership, editor: Membership, asha: Supporter
) -> None:
    assert access_supporter(owner, asha.pk) == asha
    assert access_supporter(editor, asha.pk) == asha


@pytest.mark.parametrize("role", ["analyst", "moderator"])
def test_roles_without_personal_data_are_refused_before_any_lookup(
    org: Organisation, asha: Supporter, role: str
) -> None:
    user = testing.make_user(f"{role}-person@example.org", f"A {role}")
    member = testing.add_member(org, user, role)
    with pytest.raises(PermissionDenied):
        access_supporter(member, asha.pk)
    with pytest.raises(PermissionDenied):
        access_supporter(member, asha.pk + 1000)  # the same answer: the id tells nothing


def test_another_organisations_supporter_or_no_supporter_is_404(
    owner: Membership, charlies: Membership, asha: Supporter
) -> None:
    with pytest.raises(Http404):
        access_supporter(charlies, asha.pk)
    with pytest.raises(Http404):
        access_supporter(owner, asha.pk + 1000)
    with pytest.raises(Http404):
        require_own(charlies, asha)
    require_own(owner, asha)  # no exception for her own organisation


def test_the_verbs_handed_a_supporter_refuse_another_organisation(
    charlies: Membership, asha: Supporter
) -> None:
    with pytest.raises(Http404):
        export_supporter_data(charlies, asha)
    with pytest.raises(Http404):
        erase_supporter(charlies, asha)
    asha.refresh_from_db()
    assert asha.erased_at is None and asha.email == "asha@example.net"
