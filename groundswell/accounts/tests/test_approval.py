"""New organisations wait for a site operator before anything of them is public (issue 9, 2b)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from groundswell import testing
from groundswell.accounts.models import (
    Membership,
    Organisation,
    OrganisationState,
    User,
    hash_token,
)
from groundswell.accounts.services import approve_organisation, create_organisation
from groundswell.actions.models import Petition, PetitionUpdate, Signature
from groundswell.actions.petitions import post_update
from groundswell.api.models import ApiToken
from groundswell.api.tests.calls import person, post_helper
from groundswell.audit.models import AuditEntry
from groundswell.campaigns.models import Campaign
from groundswell.federation import documents
from groundswell.federation.models import OutboxActivity
from groundswell.stories.models import Story
from groundswell.stories.services import change_state
from groundswell.testing import ClientResponse


@pytest.fixture
def operator(db: None) -> User:
    return User.objects.create_user(
        "olive@example.org", testing.PASSWORD, name="Olive Operator", is_staff=True
    )


@pytest.fixture
def waiting(charlie: User) -> tuple[Organisation, Membership, Campaign, Petition, Story]:
    """Charlie (a stranger) starts an organisation under the default rule, with content."""
    organisation = create_organisation(
        name="Charlie's Second", slug="charlies-second", owner=charlie
    )
    member = testing.membership(charlie, organisation)
    campaign = testing.make_campaign(member)
    petition = testing.make_petition(member, campaign)
    story = testing.make_story(member, campaign=campaign)
    change_state(member, story, "publish")
    return organisation, member, campaign, petition, story


def start_organisation(client: Client, user: User, slug: str = "newcomers") -> ClientResponse:
    client.force_login(user)
    return client.post(
        reverse("accounts:new_organisation"),
        {"name": "Newcomers", "slug": slug, "summary": "", "website": ""},
    )


def test_a_new_organisation_waits_and_the_operators_are_emailed_through_the_queue(
    client: Client, charlie: User, operator: User, alice: User
) -> None:
    mail.outbox.clear()
    response = start_organisation(client, charlie)
    assert response.status_code == 302
    organisation = Organisation.objects.get(slug="newcomers")
    assert organisation.state == OrganisationState.WAITING
    assert not organisation.is_public
    [message] = mail.outbox
    assert message.to == ["olive@example.org"]
    assert "Newcomers" in message.subject
    assert "charlie@example.org" in message.body
    assert "/admin/accounts/organisation/?state__exact=waiting" in message.body


def test_the_request_only_queues_the_operators_email(
    client: Client, charlie: User, operator: User, task_queue: None
) -> None:
    from django_tasks_db.models import DBTaskResult

    mail.outbox.clear()
    start_organisation(client, charlie)
    assert mail.outbox == []
    queued = DBTaskResult.objects.get(task_path__endswith="tell_operators_about_waiting")
    assert queued.args_kwargs["args"] == [Organisation.objects.get(slug="newcomers").pk]


def test_the_waiting_organisations_owner_sees_a_banner_saying_what_waiting_means(
    client: Client,
    charlie: User,
    waiting: tuple[Organisation, Membership, Campaign, Petition, Story],
) -> None:
    organisation = waiting[0]
    client.force_login(charlie)
    html = client.get(reverse("hub:dashboard", args=[organisation.slug])).content.decode()
    assert "Not public yet: this organisation waits for a site operator" in html
    assert "nothing of it is public" in html
    assert reverse("hub:organisation", args=[organisation.slug]) not in html
    approved = client.get(reverse("hub:dashboard", args=["charlies"])).content.decode()
    assert "nothing of it is public" not in approved


def test_with_open_signup_or_an_operator_starting_it_an_organisation_is_public_at_once(
    client: Client, charlie: User, operator: User, settings: Settings
) -> None:
    settings.ORGANISATION_SIGNUP = "open"
    mail.outbox.clear()
    start_organisation(client, charlie, slug="open-one")
    assert Organisation.objects.get(slug="open-one").is_public
    settings.ORGANISATION_SIGNUP = "approval"
    start_organisation(client, operator, slug="operators-own")
    assert Organisation.objects.get(slug="operators-own").is_public
    assert mail.outbox == []


def test_nothing_of_a_waiting_organisation_is_public(
    client: Client, waiting: tuple[Organisation, Membership, Campaign, Petition, Story]
) -> None:
    organisation, _member, campaign, petition, story = waiting
    slug = organisation.slug
    for url in [
        reverse("hub:organisation", args=[slug]),
        reverse("hub:feed_rss", args=[slug]),
        reverse("hub:feed_json", args=[slug]),
        reverse("hub:campaign_feed_atom", args=[slug, campaign.slug]),
        reverse("campaigns:detail", args=[slug, campaign.slug]),
        reverse("stories:detail", args=[slug, story.slug]),
        reverse("actions:petition", args=[slug, petition.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    assert slug not in client.get(reverse("hub:index")).content.decode()
    assert slug not in client.get("/sitemap.xml").content.decode()
    # The sign form takes nothing in.
    signed = client.post(
        reverse("actions:sign", args=[slug, petition.pk]),
        {"given_name": "Asha", "family_name": "V", "email": "asha@example.net", "consent": "on"},
    )
    assert signed.status_code == 404
    helper = post_helper(client, petition, person())
    assert helper.status_code == 404
    assert not Signature.objects.exists()


def test_a_waiting_organisation_does_not_federate(
    client: Client, waiting: tuple[Organisation, Membership, Campaign, Petition, Story]
) -> None:
    organisation, member, _campaign, _petition, story = waiting
    host = documents.site_host()
    finger = client.get("/.well-known/webfinger", {"resource": f"acct:{organisation.slug}@{host}"})
    assert finger.status_code == 404
    assert client.get(documents.actor_uri(organisation)).status_code == 404
    inbox = client.post(
        reverse("federation:inbox", args=[organisation.pk]), b"{}", content_type="application/json"
    )
    assert inbox.status_code == 404
    change_state(member, story, "unpublish")
    assert not OutboxActivity.objects.filter(organisation=organisation).exists()


def test_a_waiting_organisation_gets_no_api_tokens_and_old_ones_are_refused(
    client: Client,
    charlie: User,
    waiting: tuple[Organisation, Membership, Campaign, Petition, Story],
) -> None:
    organisation = waiting[0]
    client.force_login(charlie)
    response = client.post(reverse("api:tokens", args=[organisation.slug]), {"name": "CRM"})
    assert response.status_code == 200
    assert "waiting for a site operator" in response.content.decode()
    assert not ApiToken.objects.filter(organisation=organisation).exists()
    raw = "gs_made-before-the-rule-existed"
    ApiToken.objects.create(
        organisation=organisation, name="Old", prefix=raw[:10], token_hash=hash_token(raw)
    )
    refused = client.get("/api/osdi/v1/petitions", headers={"OSDI-API-Token": raw})
    assert refused.status_code == 403
    assert "waiting for a site operator" in refused.content.decode()


def test_a_waiting_organisation_emails_no_supporters(
    waiting: tuple[Organisation, Membership, Campaign, Petition, Story],
) -> None:
    _organisation, member, _campaign, petition, _story = waiting
    mail.outbox.clear()
    post_update(member, petition, subject="News", body="Hello")
    assert mail.outbox == []
    assert PetitionUpdate.objects.get().recipients == 0


def test_an_operator_approves_in_the_admin_through_the_audited_service(
    client: Client,
    operator: User,
    waiting: tuple[Organisation, Membership, Campaign, Petition, Story],
) -> None:
    organisation = waiting[0]
    client.force_login(operator)
    changelist = reverse("admin:accounts_organisation_changelist")
    listing = client.get(changelist, {"state__exact": "waiting"}).content.decode()
    assert "Charlie&#x27;s Second" in listing
    assert "Charlie&#x27;s Club" not in listing  # approved already
    response = client.post(
        changelist, {"action": "approve", "_selected_action": [organisation.pk]}, follow=True
    )
    assert response.status_code == 200
    organisation.refresh_from_db()
    assert organisation.is_public and organisation.approved_by == operator
    entry = AuditEntry.objects.get(action="organisation.approve")
    assert entry.organisation == organisation and entry.actor == operator
    assert client.get(reverse("hub:organisation", args=[organisation.slug])).status_code == 200


def test_only_an_operator_approves_and_approving_twice_changes_nothing(
    charlie: User,
    operator: User,
    waiting: tuple[Organisation, Membership, Campaign, Petition, Story],
) -> None:
    organisation = waiting[0]
    with pytest.raises(PermissionDenied):
        approve_organisation(organisation, by=charlie)
    assert approve_organisation(organisation, by=operator) is True
    assert approve_organisation(organisation, by=operator) is False
    assert AuditEntry.objects.filter(action="organisation.approve").count() == 1


def test_a_bad_organisation_signup_value_stops_the_process(tmp_path: Path) -> None:
    environment = {**os.environ, "GROUNDSWELL_DATA_DIR": str(tmp_path)}
    environment["ORGANISATION_SIGNUP"] = "sometimes"
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE']='groundswell.settings';"
        "from django.conf import settings; settings.ORGANISATION_SIGNUP"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "ORGANISATION_SIGNUP must be approval or open, not 'sometimes'" in result.stderr


@pytest.mark.django_db(transaction=True)
def test_organisations_that_existed_before_the_rule_stay_public() -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    before = [("accounts", "0001_initial")]
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    old_apps.get_model("accounts", "Organisation").objects.create(name="Old", slug="old")
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert Organisation.objects.get(slug="old").state == OrganisationState.APPROVED
    assert Organisation._meta.get_field("state").default == OrganisationState.WAITING
