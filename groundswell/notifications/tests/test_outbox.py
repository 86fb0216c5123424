from django.core import mail
from django.urls import reverse

OUTBOX = {"default": {"BACKEND": "groundswell.notifications.backends.OutboxBackend"}}


def test_the_demo_outbox_keeps_emails_and_owners_read_them(client, alice, org, bob, settings):
    settings.MAILERS = OUTBOX
    mail.EmailMessage("Hello", "Confirm here: http://x/confirm/abc/", to=["a@example.net"]).send()
    client.force_login(alice)
    html = client.get(reverse("notifications:outbox", args=[org.slug])).content.decode()
    assert "Hello" in html and "a@example.net" in html
    assert 'href="http://x/confirm/abc/"' in html
    assert (
        "Open the outbox"
        in client.get(reverse("accounts:dashboard", args=[org.slug])).content.decode()
    )
    client.force_login(bob)
    assert client.get(reverse("notifications:outbox", args=[org.slug])).status_code == 403


def test_without_the_outbox_backend_the_page_does_not_exist(client, alice, org):
    client.force_login(alice)
    assert client.get(reverse("notifications:outbox", args=[org.slug])).status_code == 404
