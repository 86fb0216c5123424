"""Signing again: a thank-you page that tells nothing, and one email with the person's links,
throttled."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.fixtures import Settings

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.actions import intake
from groundswell.actions.emails import send_confirmations_and_notices
from groundswell.actions.models import Petition, Signature, SignatureState
from groundswell.actions.services import REPEAT_NOTICE_EVERY, confirm_signature
from groundswell.referrals.models import ShareToken
from groundswell.testing import SIGNING, run_periodic

ASHA = "asha@example.net"


def take(client: Client, petition: Petition, email: str = ASHA, **extra: str) -> str:
    """Sign through the form; the worker has not run yet."""
    response = client.post(
        reverse("actions:sign", args=[petition.organisation.slug, petition.pk]),
        {"given_name": "Asha", "email": email, "consent": "on", **extra},
    )
    assert response.status_code == 302, response.content[:300]
    return response["Location"]


def sign(client: Client, petition: Petition, email: str = ASHA, **extra: str) -> str:
    """Sign through the form, then let the worker record it and send its email."""
    thanks = take(client, petition, email, **extra)
    run_periodic(*SIGNING)
    return thanks


def subjects(smtp_server: testing.LocalSMTPServer) -> list[str]:
    return [message["Subject"] for message in smtp_server.messages]


def test_a_pending_repeat_signer_gets_their_share_and_confirm_links_once(
    client: Client, petition: Petition, smtp_server: testing.LocalSMTPServer
) -> None:
    client.get(sign(client, petition))
    first_token = ShareToken.objects.get().token

    again = client.get(sign(client, petition, email="ASHA@example.net", given_name="Mallory"))
    assert again.status_code == 200

    assert subjects(smtp_server) == [
        "Please confirm your signature: Stop the sewage",
        "You have already signed: Stop the sewage",
    ]
    notice = smtp_server.messages[1]
    assert notice["To"] == ASHA
    part = notice.get_body(("plain",))
    assert part is not None
    body = part.get_content()
    assert f"ref={first_token}&ch=copy" in body  # the link they were given the first time
    assert "/confirm/" in body and "/me/" in body
    assert "Hello Asha," in body  # a stranger's name is neither stored nor echoed
    signature = Signature.objects.get()
    assert (signature.confirmation_sends, signature.repeat_notices) == (1, 1)
    assert signature.repeat_notices_delivered == 1


def test_a_confirmed_repeat_signer_gets_the_share_link_without_a_confirm_link(
    client: Client, petition: Petition, smtp_server: testing.LocalSMTPServer
) -> None:
    sign(client, petition)
    confirm_signature(Signature.objects.get().pk)
    assert client.get(sign(client, petition)).status_code == 200
    part = smtp_server.messages[-1].get_body(("plain",))
    assert part is not None
    body = part.get_content()
    assert smtp_server.messages[-1]["Subject"] == "You have already signed: Stop the sewage"
    assert "ref=" in body and "/confirm/" not in body
    assert Signature.objects.get().state == SignatureState.CONFIRMED


def test_the_form_cannot_flood_an_inbox(
    client: Client, petition: Petition, smtp_server: testing.LocalSMTPServer, settings: Settings
) -> None:
    settings.SIGN_RATE_LIMIT_PER_MINUTE = 1000
    for _attempt in range(6):
        sign(client, petition)
    assert len(smtp_server.messages) == 2  # the confirmation and one notice
    # After REPEAT_NOTICE_EVERY one more is allowed, recorded in the database.
    noticed_at = Signature.objects.get().last_repeat_notice_at
    assert noticed_at is not None
    Signature.objects.update(
        last_repeat_notice_at=noticed_at - REPEAT_NOTICE_EVERY - timedelta(seconds=1)
    )
    sign(client, petition)
    sign(client, petition)
    assert subjects(smtp_server)[2:] == ["You have already signed: Stop the sewage"]
    assert Signature.objects.get().repeat_notices == 2


@pytest.fixture
def queued(task_queue: None) -> None:
    """A real task queue: nothing runs until the test runs it."""


def test_the_sign_request_stays_one_insert_and_the_worker_decides(
    client: Client, petition: Petition, smtp_server: testing.LocalSMTPServer, queued: None
) -> None:
    take(client, petition)
    intake.process()
    send_confirmations_and_notices()
    with CaptureQueriesContext(connection) as queries:
        thanks = take(client, petition)
    touched = " ".join(q["sql"] for q in queries).lower()
    assert "actions_signatureintake" in touched
    for table in ('actions_signature"', "supporters_supporter", "referrals_sharetoken"):
        assert table not in touched, table
    # The page answers while the repeat waits in the intake and after it was recorded.
    assert client.get(thanks).status_code == 200
    assert len(smtp_server.messages) == 1
    intake.process()
    send_confirmations_and_notices()
    assert client.get(thanks).status_code == 200
    assert subjects(smtp_server)[1] == "You have already signed: Stop the sewage"


def page_without_token(client: Client, location: str) -> str:
    token = location.rstrip("/").rsplit("/", 1)[-1]
    return client.get(location).content.decode().replace(token, "TOKEN")


def test_the_thank_you_page_never_tells_whether_an_address_had_signed(
    client: Client, petition: Petition, smtp_server: testing.LocalSMTPServer, queued: None
) -> None:
    """Whoever types someone's address learns nothing from the page: only that address's
    inbox hears that it had signed (a petition can say a lot about a person)."""
    first = page_without_token(client, take(client, petition))
    intake.process()
    waiting_repeat = page_without_token(client, take(client, petition))
    intake.process()
    recorded_repeat = page_without_token(client, take(client, petition, email="ASHA@example.net"))
    stranger = page_without_token(client, take(client, petition, email="noor@example.net"))
    assert "You have already signed" not in first
    assert first == waiting_repeat == recorded_repeat == stranger


def test_an_erased_persons_repeat_is_a_new_signature_not_a_notice(
    client: Client, petition: Petition, smtp_server: testing.LocalSMTPServer, owner: Membership
) -> None:
    from groundswell.supporters.erasure import erase_supporter
    from groundswell.supporters.models import Supporter

    sign(client, petition)
    erase_supporter(owner, Supporter.objects.get())
    assert client.get(sign(client, petition)).status_code == 200
    assert [m["Subject"] for m in smtp_server.messages].count(
        "You have already signed: Stop the sewage"
    ) == 0
