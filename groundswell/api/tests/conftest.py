import pytest

from groundswell import testing
from groundswell.accounts.models import Membership, User
from groundswell.actions.models import Petition
from groundswell.api import services


@pytest.fixture
def token(owner: Membership) -> str:
    """A working token for alice's organisation (the raw string)."""
    return services.issue_token(owner, name="Alice's CRM")[1]


@pytest.fixture
def charlies_token(charlie: User) -> str:
    from groundswell.accounts.models import Membership

    membership = Membership.objects.select_related("organisation", "user").get(user=charlie)
    return services.issue_token(membership, name="Charlie's sync")[1]


@pytest.fixture
def other_petition(owner: Membership) -> Petition:
    campaign = testing.make_campaign(owner, title="Save the Meadow", slug="meadow")
    return testing.make_petition(owner, campaign, title="Keep the meadow wild")
