import re
from collections.abc import Callable

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.test import Client
from django.urls import reverse

from groundswell import testing
from groundswell.accounts.models import Invitation, Membership, Organisation, User
from groundswell.audit.models import AuditEntry
from groundswell.testing import ClientResponse


def link_in(message: EmailMessage) -> str:
    found = re.search(r"http://127\.0\.0\.1:8000(\S+)", str(message.body))
    assert found
    return found.group(1)


def link_path(message: EmailMessage) -> str:
    found = re.search(r"https?://[^/\s]+(/\S+)", str(message.body))
    assert found
    return found.group(1)


@pytest.fixture
def invite(client: Client, alice: User, org: Organisation) -> Callable[..., ClientResponse]:
    client.force_login(alice)

    def send(email: str, role: str = "editor") -> ClientResponse:
        return client.post(
            reverse("accounts:members", args=[org.slug]), {"email": email, "role": role}
        )

    return send


def test_an_invited_newcomer_creates_an_account_and_joins(
    client: Client, invite: Callable[..., ClientResponse], org: Organisation
) -> None:
    response = invite("Dave@Example.org", "moderator")
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["dave@example.org"]
    assert "Alice's Campaigners" in message.subject
    invitation = Invitation.objects.get()
    url = link_in(message)
    assert invitation.token_hash not in message.body  # only the token travels, never its hash
    client.logout()
    page = client.get(url)
    assert "Create your account" in page.content.decode()
    response = client.post(url, {"name": "Dave", "password1": "short", "password2": "short"})
    assert "This password is too short" in response.content.decode()
    assert not User.objects.filter(email="dave@example.org").exists()
    response = client.post(
        url, {"name": "Dave", "password1": testing.PASSWORD, "password2": testing.PASSWORD}
    )
    assert response["Location"] == reverse("hub:dashboard", args=[org.slug])
    assert Membership.objects.get(user__email="dave@example.org").role == "moderator"
    # The link is used up.
    assert client.get(url).status_code == 404


def test_an_invitation_for_an_existing_account_needs_that_account(
    client: Client, invite: Callable[..., ClientResponse], org: Organisation, charlie: User
) -> None:
    invite("charlie@example.org")
    url = link_in(mail.outbox[0])
    client.logout()
    assert "Sign in to accept" in client.get(url).content.decode()
    someone = testing.make_user("eve@example.org", "Eve")
    client.force_login(someone)
    response = client.post(url, follow=True)
    assert "This invitation was sent to another address" in response.content.decode()
    assert not Membership.objects.filter(user=someone, organisation=org).exists()
    client.force_login(charlie)
    client.post(url)
    assert Membership.objects.get(user=charlie, organisation=org).role == "editor"


def test_withdrawn_and_forged_invitations_do_not_work(
    client: Client, invite: Callable[..., ClientResponse], org: Organisation
) -> None:
    invite("dave@example.org")
    url = link_in(mail.outbox[0])
    invitation = Invitation.objects.get()
    client.post(reverse("accounts:invitation_revoke", args=[org.slug, invitation.pk]))
    client.logout()
    assert client.get(url).status_code == 404
    assert client.get("/accounts/invitation/forged-token/").status_code == 404


def test_inviting_a_member_again_is_refused_clearly(
    invite: Callable[..., ClientResponse], bob: User
) -> None:
    response = invite("bob@example.org")
    assert "bob@example.org is already a member." in response.content.decode()
    assert not Invitation.objects.exists()


def test_an_editor_cannot_invite_or_change_roles(
    client: Client, org: Organisation, bob: User, alice: User
) -> None:
    client.force_login(bob)
    response = client.post(
        reverse("accounts:members", args=[org.slug]), {"email": "x@example.org", "role": "owner"}
    )
    assert response.status_code == 403
    alice_membership = Membership.objects.get(user=alice)
    response = client.post(
        reverse("accounts:member_role", args=[org.slug, alice_membership.pk]), {"role": "analyst"}
    )
    assert response.status_code == 403
    alice_membership.refresh_from_db()
    assert alice_membership.role == "owner"
    assert not Invitation.objects.exists()


def test_the_last_owner_cannot_be_demoted_or_removed(
    client: Client, org: Organisation, alice: User, bob: User
) -> None:
    client.force_login(alice)
    own = Membership.objects.get(user=alice)
    response = client.post(
        reverse("accounts:member_role", args=[org.slug, own.pk]), {"role": "editor"}, follow=True
    )
    assert "An organisation needs at least one owner." in response.content.decode()
    response = client.post(reverse("accounts:member_remove", args=[org.slug, own.pk]), follow=True)
    assert "An organisation needs at least one owner." in response.content.decode()
    own.refresh_from_db()
    assert own.role == "owner"
    bobs = Membership.objects.get(user=bob)
    client.post(reverse("accounts:member_role", args=[org.slug, bobs.pk]), {"role": "owner"})
    bobs.refresh_from_db()
    assert bobs.role == "owner"
    client.post(reverse("accounts:member_role", args=[org.slug, own.pk]), {"role": "editor"})
    own.refresh_from_db()
    assert own.role == "editor"


def test_password_reset_mail_goes_through_the_queue_and_the_link_works(
    client: Client, alice: User
) -> None:
    response = client.post(reverse("accounts:password_reset"), {"email": "alice@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    path = link_path(mail.outbox[0])
    response = client.get(path, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url,
        {"new_password1": "a new long passphrase", "new_password2": "a new long passphrase"},
    )
    assert response.status_code == 302
    assert client.login(email="alice@example.org", password="a new long passphrase")


def test_signing_in_through_the_form_leads_to_the_staff_area(
    client: Client, alice: User, org: Organisation
) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": "alice@example.org", "password": testing.PASSWORD}
    )
    assert response["Location"] == reverse("accounts:staff_home")
    assert client.get(response["Location"])["Location"] == reverse("hub:dashboard", args=[org.slug])
    response = client.post(reverse("accounts:logout"))
    assert response["Location"] == reverse("hub:index")


def test_sign_in_with_a_wrong_password_says_so(client: Client, alice: User) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": "alice@example.org", "password": "wrong"}
    )
    assert "Please enter a correct email address and password." in response.content.decode()


def test_a_signed_in_person_starts_a_new_organisation_and_owns_it(
    client: Client, charlie: User
) -> None:
    client.force_login(charlie)
    response = client.post(
        reverse("accounts:new_organisation"),
        {"name": "Second Org", "slug": "second"},
    )
    assert response["Location"] == reverse("hub:dashboard", args=["second"])
    assert Membership.objects.get(user=charlie, organisation__slug="second").role == "owner"
    response = client.post(reverse("accounts:new_organisation"), {"name": "X", "slug": "second"})
    assert "Organisation with this Address name already exists." in response.content.decode()


def test_owners_change_settings_and_others_cannot(
    client: Client, org: Organisation, alice: User, bob: User
) -> None:
    client.force_login(bob)
    response = client.post(
        reverse("accounts:settings", args=[org.slug]),
        {"name": "Hijacked", "approval_required": "on"},
    )
    assert response.status_code == 403
    client.force_login(alice)
    client.post(
        reverse("accounts:settings", args=[org.slug]),
        {"name": "Alice's Campaigners", "approval_required": "on", "story_format": "note"},
    )
    org.refresh_from_db()
    assert org.approval_required is True
    assert org.name == "Alice's Campaigners"


def test_owners_choose_how_stories_federate_and_others_cannot(
    client: Client, org: Organisation, alice: User, bob: User
) -> None:
    url = reverse("accounts:settings", args=[org.slug])
    assert org.story_format == "note"  # Mastodon shows a Note in full, an Article's title only
    client.force_login(bob)
    assert client.post(url, {"name": org.name, "story_format": "article"}).status_code == 403
    assert "Posts with the whole story" in client.get(url).content.decode()
    client.force_login(alice)
    page = client.get(url).content.decode()
    assert 'name="story_format"' in page and "Articles (Mastodon shows only the title" in page
    response = client.post(url, {"name": org.name, "story_format": "article"})
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.story_format == "article"
    entry = AuditEntry.objects.filter(organisation=org, action="organisation.update").latest("pk")
    assert "story_format" in entry.summary
    response = client.post(url, {"name": org.name, "story_format": "scroll"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    org.refresh_from_db()
    assert org.story_format == "article"
