"""Links that sign people in are built from SITE_URL when the mail is sent, and nowhere kept."""

import json
import re
from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.mail import EmailMessage
from django.test import Client
from django.urls import reverse
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import Settings

from groundswell.accounts.models import Invitation, Organisation, User, hash_token
from groundswell.testing import ClientResponse

SITE = "https://groundswell.example"
FORGED = "evil.example"


@pytest.fixture
def public_site(settings: Settings) -> None:
    settings.SITE_URL = SITE
    # The forged host is even allowed, as a lax ALLOWED_HOSTS would.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, FORGED, "groundswell.example"]


@pytest.fixture
def queued(task_queue: None) -> None:
    """A real task queue with both queues: the test runs what was queued."""


def links(message: EmailMessage) -> list[str]:
    return re.findall(r"\S+://\S+", str(message.body))


def queued_rows() -> list[DBTaskResult[..., object]]:
    return list(DBTaskResult.objects.order_by("enqueued_at"))


def run(rows: list[DBTaskResult[..., object]]) -> None:
    """What the worker does with each row."""
    for row in rows:
        import_string(row.task_path).call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])


def invite(client: Client, alice: User, org: Organisation, **headers: Any) -> ClientResponse:
    client.force_login(alice)
    return client.post(
        reverse("accounts:members", args=[org.slug]),
        {"email": "dana@example.net", "role": "editor"},
        **headers,
    )


def test_a_password_reset_link_comes_from_site_url_not_the_host_header(
    client: Client, alice: User, public_site: None
) -> None:
    response = client.post(
        reverse("accounts:password_reset"), {"email": alice.email}, HTTP_HOST=FORGED
    )
    assert response.status_code == 302
    (message,) = mail.outbox
    (link,) = links(message)
    assert link.startswith(SITE + "/accounts/reset/"), link
    assert FORGED not in message.body
    path = link.removeprefix(SITE)
    assert client.get(path, follow=True).status_code == 200


def test_an_invitation_link_comes_from_site_url_not_the_host_header(
    client: Client, alice: User, org: Organisation, public_site: None
) -> None:
    assert invite(client, alice, org, HTTP_HOST=FORGED).status_code == 302
    (message,) = mail.outbox
    (link,) = links(message)
    assert link.startswith(SITE + "/accounts/invitation/"), link
    assert FORGED not in message.body


def test_a_queued_password_reset_holds_no_token_and_still_sends_a_working_link(
    client: Client, alice: User, queued: None
) -> None:
    client.post(reverse("accounts:password_reset"), {"email": alice.email})
    rows = queued_rows()
    assert [row.task_path for row in rows] == ["groundswell.accounts.tasks.send_password_reset"]
    assert rows[0].args_kwargs == {"args": [alice.pk], "kwargs": {}}
    stored = json.dumps([row.args_kwargs for row in rows])
    assert "http" not in stored and "reset" not in stored
    assert mail.outbox == []
    run(rows)
    (message,) = mail.outbox
    token = links(message)[0].rstrip("/").rsplit("/", 1)[-1]
    assert default_token_generator.check_token(alice, token)
    assert token not in json.dumps([row.args_kwargs for row in queued_rows()])


def test_a_queued_invitation_holds_no_token_and_nothing_usable_until_sent(
    client: Client, alice: User, org: Organisation, queued: None
) -> None:
    invite(client, alice, org)
    rows = queued_rows()
    assert [row.task_path for row in rows] == ["groundswell.accounts.tasks.send_invitation"]
    invitation = Invitation.objects.get()
    assert rows[0].args_kwargs == {"args": [invitation.pk], "kwargs": {}}
    before = invitation.token_hash
    run(rows)
    (message,) = mail.outbox
    token = links(message)[0].rstrip("/").rsplit("/", 1)[-1]
    invitation.refresh_from_db()
    assert invitation.token_hash == hash_token(token) != before
    assert token not in json.dumps([row.args_kwargs for row in queued_rows()])
    assert not any("send_email" in row.task_path for row in queued_rows())
    client.logout()
    response = client.get(reverse("accounts:invitation", args=[token]))
    assert response.status_code == 200


def test_a_withdrawn_invitation_is_not_sent(
    client: Client, alice: User, org: Organisation, queued: None
) -> None:
    invite(client, alice, org)
    invitation = Invitation.objects.get()
    client.post(reverse("accounts:invitation_revoke", args=[org.slug, invitation.pk]))
    run(queued_rows())
    assert mail.outbox == []


def test_an_inviters_name_cannot_add_lines_or_links_to_the_invitation(
    client: Client, alice: User, org: Organisation
) -> None:
    alice.name = "Alice\n\nUrgent: log in at http://evil.example/login"
    alice.save(update_fields=["name"])
    invite(client, alice, org)
    (message,) = mail.outbox
    assert "evil" not in message.body and "Urgent" not in message.body
    assert message.body.startswith("You are invited to join Alice's Campaigners")


def test_account_mail_sent_before_the_change_is_scrubbed_from_its_task_row(
    db: None, queued: None
) -> None:
    import importlib

    from django.apps import apps
    from django_tasks_db.models import DBTaskResult

    from groundswell.notifications.tasks import send_email

    migration = importlib.import_module(
        "groundswell.accounts.migrations.0003_scrub_sign_in_links_from_task_rows"
    )
    body = "Choose a new password here:\nhttp://127.0.0.1:8000/accounts/reset/MQ/abc-123/\n"
    for text in (body, body, "Your petition has news."):
        send_email.enqueue(to=["a@example.net"], subject="Hello", body=text)
    sent_reset, waiting_reset, other = DBTaskResult.objects.order_by("enqueued_at")
    DBTaskResult.objects.filter(pk__in=[sent_reset.pk, other.pk]).update(status="SUCCESSFUL")

    migration.scrub(apps, None)

    sent_reset.refresh_from_db()
    assert "/accounts/reset/" not in json.dumps(sent_reset.args_kwargs)
    assert sent_reset.args_kwargs["kwargs"]["to"] == ["a@example.net"]
    waiting_reset.refresh_from_db()
    assert waiting_reset.args_kwargs["kwargs"]["body"] == body  # still to be sent
    other.refresh_from_db()
    assert other.args_kwargs["kwargs"]["body"] == "Your petition has news."
