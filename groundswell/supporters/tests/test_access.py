"""The one way staff code reaches a supporter: 403 for a role without personal data, else 404."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from groundswell import testing
from groundswell.supporters.access import access_supporter, require_own
from groundswell.supporters.erasure import erase_supporter
from groundswell.supporters.subject_access import export_supporter_data


@pytest.fixture
def asha(petition, sign):
    return sign(petition, "asha@example.net").supporter


@pytest.fixture
def charlies(charlie):
    return testing.membership(charlie, charlie.memberships.get().organisation)


def test_owners_and_editors_reach_their_own_supporters(org, owner, editor, asha):
    assert access_supporter(owner, asha.pk) == asha
    assert access_supporter(editor, asha.pk) == asha


@pytest.mark.parametrize("role", ["analyst", "moderator"])
def test_roles_without_personal_data_are_refused_before_any_lookup(org, asha, role):
    user = testing.make_user(f"{role}-person@example.org", f"A {role}")
    member = testing.add_member(org, user, role)
    with pytest.raises(PermissionDenied):
        access_supporter(member, asha.pk)
    with pytest.raises(PermissionDenied):
        access_supporter(member, asha.pk + 1000)  # the same answer: the id tells nothing


def test_another_organisations_supporter_or_no_supporter_is_404(owner, charlies, asha):
    with pytest.raises(Http404):
        access_supporter(charlies, asha.pk)
    with pytest.raises(Http404):
        access_supporter(owner, asha.pk + 1000)
    with pytest.raises(Http404):
        require_own(charlies, asha)
    require_own(owner, asha)  # no exception for her own organisation


def test_the_verbs_handed_a_supporter_refuse_another_organisation(charlies, asha):
    with pytest.raises(Http404):
        export_supporter_data(charlies, asha)
    with pytest.raises(Http404):
        erase_supporter(charlies, asha)
    asha.refresh_from_db()
    assert asha.erased_at is None and asha.email == "asha@example.net"
