from django.core import mail
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from groundswell.accounts.models import Organisation, User
from groundswell.actions.models import Petition
from groundswell.notifications.models import OutboxMessage
from groundswell.testing import SIGNING, ClientResponse, run_periodic

OUTBOX = {"default": {"BACKEND": "groundswell.notifications.backends.OutboxBackend"}}


def outbox_html(client: Client, user: User, org_slug: str) -> ClientResponse:
    client.force_login(user)
    response = client.get(reverse("notifications:outbox", args=[org_slug]))
    client.logout()
    return response


def sign(client: Client, petition: Petition, email: str) -> None:
    data = {"given_name": "Asha", "family_name": "Verma", "email": email, "consent": "on"}
    url = reverse("actions:sign", args=[petition.organisation.slug, petition.pk])
    assert client.post(url, data).status_code == 302
    run_periodic(*SIGNING)  # the worker records it and sends its email


def test_the_demo_outbox_keeps_an_organisations_emails_and_its_owner_reads_them(
    client: Client,
    alice: User,
    org: Organisation,
    bob: User,
    petition: Petition,
    settings: Settings,
) -> None:
    settings.MAILERS = OUTBOX
    sign(client, petition, "asha@example.net")
    html = outbox_html(client, alice, org.slug).content.decode()
    assert "asha@example.net" in html and "/confirm/" in html
    client.force_login(alice)
    dashboard = client.get(reverse("hub:dashboard", args=[org.slug])).content.decode()
    assert "Open the outbox" in dashboard
    assert outbox_html(client, bob, org.slug).status_code == 403


def test_a_stranger_reads_neither_another_organisations_mail_nor_any_account_mail(
    client: Client,
    alice: User,
    org: Organisation,
    charlie: User,
    petition: Petition,
    settings: Settings,
) -> None:
    settings.MAILERS = OUTBOX
    sign(client, petition, "asha@example.net")
    # Account mail: a password reset for alice and an invitation from her organisation.
    client.post(reverse("accounts:password_reset"), {"email": "alice@example.org"})
    client.force_login(alice)
    client.post(
        reverse("accounts:members", args=[org.slug]),
        {"email": "newcomer@example.net", "role": "editor"},
    )
    client.logout()
    stored = OutboxMessage.objects.all()
    assert {m.to for m in stored} == {
        "asha@example.net",
        "alice@example.org",
        "newcomer@example.net",
    }
    assert stored.get(to="alice@example.org").organisation_id is None
    assert stored.get(to="newcomer@example.net").organisation_id is None
    assert stored.get(to="asha@example.net").organisation_id == org.pk

    charlies = outbox_html(client, charlie, "charlies")
    assert charlies.status_code == 200
    html = charlies.content.decode()
    assert "asha@example.net" not in html and "/confirm/" not in html
    assert "/accounts/reset/" not in html and "/accounts/invitation/" not in html
    assert outbox_html(client, charlie, org.slug).status_code == 404

    html = outbox_html(client, alice, org.slug).content.decode()
    assert "asha@example.net" in html
    assert "alice@example.org" not in html and "/accounts/reset/" not in html
    assert "newcomer@example.net" not in html and "/accounts/invitation/" not in html


def test_mail_sent_with_no_organisation_is_kept_but_shown_to_nobody(
    client: Client, alice: User, org: Organisation, settings: Settings
) -> None:
    settings.MAILERS = OUTBOX
    mail.EmailMessage("Hello", "http://x/secret/", to=["a@example.net"]).send()
    assert OutboxMessage.objects.get().organisation_id is None
    assert "a@example.net" not in outbox_html(client, alice, org.slug).content.decode()


def test_without_the_outbox_backend_the_page_does_not_exist(
    client: Client, alice: User, org: Organisation
) -> None:
    client.force_login(alice)
    assert client.get(reverse("notifications:outbox", args=[org.slug])).status_code == 404
