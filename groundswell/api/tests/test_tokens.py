import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.accounts.models import Membership, Organisation, User, hash_token
from groundswell.api import services
from groundswell.api.models import ApiToken
from groundswell.audit.models import AuditEntry

from .calls import get


def tokens_url(slug: str = "alices") -> str:
    return reverse("api:tokens", args=[slug])


def test_a_token_is_stored_only_as_a_hash_and_its_creation_is_audited(owner: Membership) -> None:
    token, raw = services.issue_token(owner, name="  Website   form ")
    assert raw.startswith("gs_") and len(raw) > 40
    assert token.name == "Website form"
    assert token.token_hash == hash_token(raw)
    assert raw not in {token.prefix, token.token_hash}
    assert raw.startswith(token.prefix)
    entry = AuditEntry.objects.get(action="api_token.create")
    assert entry.actor == owner.user
    assert entry.summary == f"Created API token #{token.pk} ({token.prefix}…)"
    assert "Website form" not in entry.summary and raw not in entry.summary
    assert services.authenticate(raw) == token


def test_only_an_owner_may_issue_or_revoke_tokens(owner: Membership, editor: Membership) -> None:
    with pytest.raises(PermissionDenied):
        services.issue_token(editor, name="Sneaky")
    token, _raw = services.issue_token(owner, name="CRM")
    with pytest.raises(PermissionDenied):
        services.revoke_token(editor, token)
    assert ApiToken.objects.count() == 1


def test_a_revoked_token_stops_working_and_revoking_twice_is_harmless(owner: Membership) -> None:
    token, raw = services.issue_token(owner, name="CRM")
    assert services.revoke_token(owner, token) is True
    assert services.revoke_token(owner, token) is False
    assert services.authenticate(raw) is None
    assert AuditEntry.objects.filter(action="api_token.revoke").count() == 1


@pytest.mark.parametrize("raw", [None, "", "gs_wrong", "x" * 10_000])
def test_unknown_tokens_authenticate_as_no_one(db: None, raw: str | None) -> None:
    assert services.authenticate(raw) is None


def test_the_owner_creates_a_token_on_the_staff_page_and_sees_it_once(
    client: Client, alice: User, org: Organisation
) -> None:
    client.force_login(alice)
    response = client.post(tokens_url(), {"name": "Website form"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    raw = response.context["raw_token"]
    html = response.content.decode()
    assert raw in html
    assert "Copy your new token now" in html
    assert "only time it is shown" in html
    token = ApiToken.objects.get()
    assert token.organisation == org
    assert token.created_by == alice
    assert get(client, "/api/osdi/v1/", raw).status_code == 200
    # Afterwards the list shows its name and first characters, never the token.
    later = client.get(tokens_url()).content.decode()
    assert raw not in later
    assert "Website form" in later
    assert token.prefix in later


def test_a_nameless_token_is_refused_with_a_clear_message(
    client: Client, alice: User, org: Organisation
) -> None:
    client.force_login(alice)
    response = client.post(tokens_url(), {"name": "   "})
    assert "Give the token a name" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_owner_revokes_a_token_from_the_staff_page(
    client: Client, alice: User, owner: Membership
) -> None:
    token, raw = services.issue_token(owner, name="Old CRM")
    client.force_login(alice)
    response = client.post(reverse("api:revoke", args=["alices", token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert get(client, "/api/osdi/v1/", raw).status_code == 401
    assert "Revoked" in client.get(tokens_url()).content.decode()


def test_an_editor_sees_the_list_but_may_not_create_or_revoke(
    client: Client, bob: User, owner: Membership
) -> None:
    token, _raw = services.issue_token(owner, name="CRM")
    client.force_login(bob)
    page = client.get(tokens_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert "CRM" in html
    assert "Create token" not in html
    assert client.post(tokens_url(), {"name": "Mine"}).status_code == 403
    revoke = client.post(reverse("api:revoke", args=["alices", token.pk]))
    assert revoke.status_code == 403
    assert ApiToken.objects.active().count() == 1


def test_a_stranger_gets_404_and_cannot_touch_another_organisations_tokens(
    client: Client, charlie: User, owner: Membership
) -> None:
    token, _raw = services.issue_token(owner, name="CRM")
    client.force_login(charlie)
    assert client.get(tokens_url()).status_code == 404
    assert client.post(tokens_url(), {"name": "Mine"}).status_code == 404
    # Even as owner of their own organisation, alice's token is not theirs to revoke.
    assert client.post(reverse("api:revoke", args=["charlies", token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_staff_menu_links_to_the_tokens_page(
    client: Client, alice: User, org: Organisation
) -> None:
    client.force_login(alice)
    html = client.get(reverse("hub:dashboard", args=["alices"])).content.decode()
    assert f'href="{tokens_url()}"' in html


def test_the_command_prints_only_a_working_token(
    client: Client, owner: Membership, alice: User
) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("issue_api_token", "alices", "--name", "Nightly sync", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    assert "\n" not in raw and raw.startswith("gs_")
    token = ApiToken.objects.get()
    assert (token.name, token.created_by) == ("Nightly sync", alice)
    assert AuditEntry.objects.filter(action="api_token.create", actor=alice).exists()
    assert "shown only this once" in err.getvalue()
    assert get(client, "/api/osdi/v1/petitions", raw).status_code == 200


def test_the_command_names_the_first_owner_as_creator(owner: Membership, alice: User) -> None:
    second = testing.make_user("dana@example.org", "Dana Owner")
    testing.add_member(owner.organisation, second, "owner")
    call_command("issue_api_token", "alices", stdout=io.StringIO(), stderr=io.StringIO())
    assert ApiToken.objects.get().created_by == alice


def test_the_command_refuses_an_unknown_organisation_clearly(db: None) -> None:
    with pytest.raises(CommandError, match="no organisation with the address name 'nobody'"):
        call_command("issue_api_token", "nobody", stdout=io.StringIO())
    assert not ApiToken.objects.exists()
