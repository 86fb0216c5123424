"""An address the mail server keeps putting off waits for its own retry, not the batch."""

import logging
from collections.abc import Callable
from datetime import timedelta

import pytest

from groundswell import testing
from groundswell.actions.models import Petition, Signature
from groundswell.actions.services import SignatureRequest, sign_petition
from groundswell.notifications.owed import EMAIL_RETRY

BUSY = "busy.mailbox@example.net"


def sign(petition: Petition, email: str) -> Signature:
    return sign_petition(petition, SignatureRequest(email=email, given_name="Sam")).signature


def test_a_recipient_put_off_is_retried_later_while_the_others_go(
    petition: Petition,
    smtp_server_with: Callable[..., testing.LocalSMTPServer],
    clock: testing.FakeClock,
) -> None:
    server = smtp_server_with(defer={BUSY})
    busy = sign(petition, BUSY)  # the lowest id: it heads every batch
    others = [f"reader{n}@example.net" for n in range(5)]
    for address in others:
        sign(petition, address)
    testing.run_periodic("send_confirmations")
    assert sorted(m["To"] for m in server.messages) == others
    busy.refresh_from_db()
    assert busy.confirmations_delivered == 0
    assert busy.email_attempts == 1
    assert busy.email_retry_at == clock.moment + EMAIL_RETRY.waits[0]
    # Until then the batch leaves it alone: no second try, no failure of the batch.
    server.defer.clear()
    testing.run_periodic("send_confirmations")
    assert len(server.messages) == 5
    clock.advance(EMAIL_RETRY.waits[0])
    testing.run_periodic("send_confirmations")
    assert [m["To"] for m in server.messages[5:]] == [BUSY]
    busy.refresh_from_db()
    assert (busy.confirmations_delivered, busy.email_attempts) == (1, 0)
    assert busy.email_retry_at is None  # the next email to this address starts afresh


def test_a_recipient_put_off_at_every_try_is_given_up_as_refused(
    petition: Petition,
    smtp_server_with: Callable[..., testing.LocalSMTPServer],
    clock: testing.FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = smtp_server_with(defer={BUSY})
    busy = sign(petition, BUSY)
    for wait in (*EMAIL_RETRY.waits, timedelta(0)):
        busy.refresh_from_db()
        assert busy.confirmations_delivered == 0
        with caplog.at_level(logging.WARNING):
            testing.run_periodic("send_confirmations")
        clock.advance(wait)
    busy.refresh_from_db()
    assert busy.confirmations_delivered == 1  # given up: not tried again
    assert server.messages == []
    assert any("gave up confirmation emails" in r.getMessage() for r in caplog.records)
    assert all(BUSY not in r.getMessage() for r in caplog.records)  # never the address
