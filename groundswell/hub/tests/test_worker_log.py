"""The worker's log says what it did, one line per turn, not one per task."""

from __future__ import annotations

import logging
import signal

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings as SettingsWrapper

from groundswell import testing
from groundswell.hub.management.commands.worker import quiet_db_worker

DATABASE_TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "network"]}
}


def sign(org_slug: str, petition_id: int, email: str) -> None:
    answer = Client(HTTP_HOST="127.0.0.1").post(
        reverse("actions:sign", args=[org_slug, petition_id]),
        {"given_name": "Dana", "email": email, "consent": "on"},
    )
    assert answer.status_code == 302, answer.status_code


def run_worker_turn(verbosity: int = 1) -> None:
    # The worker installs its own SIGTERM and SIGINT handlers; left in the test process they
    # would turn a later SIGTERM (a timeout stopping the run) into a SystemExit mid-test.
    handlers = {number: signal.getsignal(number) for number in (signal.SIGTERM, signal.SIGINT)}
    try:
        call_command(
            quiet_db_worker(),
            queue_name="default",
            batch=True,
            startup_delay=False,
            reload=False,
            verbosity=verbosity,
        )
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)


def test_a_worker_turn_logs_one_line_per_task_that_did_something(
    transactional_db: None, settings: SettingsWrapper, caplog: pytest.LogCaptureFixture
) -> None:
    from groundswell.actions.tasks import process_intake, recount_petitions, send_confirmations

    settings.TASKS = DATABASE_TASKS
    alice = testing.make_user("alice@example.org", "Alice Owner")
    org = testing.make_organisation(alice, name="Alice's Campaigners", slug="alices")
    owner = testing.membership(alice, org)
    petition = testing.make_petition(owner, testing.make_campaign(owner))
    for n in range(3):
        sign(org.slug, petition.pk, f"signer{n}@example.net")
    # In the order the worker would meet them under a spike: intake, email, the count.
    process_intake.enqueue()
    send_confirmations.enqueue()
    recount_petitions.enqueue()

    with caplog.at_level(logging.INFO):
        run_worker_turn()

    assert len(mail.outbox) == 3
    info = [
        record.getMessage()
        for record in caplog.records
        if record.levelno == logging.INFO and record.name != "django_tasks_db"
    ]
    assert info == [
        "process_intake: recorded 3 signatures",
        "send_confirmations: sent 3 confirmation emails",
        "recount_petitions: recounted 1 petition",
    ]
    assert not [r for r in caplog.records if r.name == "django.tasks"]


def test_a_turn_with_nothing_to_do_logs_nothing_and_verbosity_2_shows_every_task(
    transactional_db: None, settings: SettingsWrapper, caplog: pytest.LogCaptureFixture
) -> None:
    from groundswell.actions.tasks import process_intake, send_confirmations

    settings.TASKS = DATABASE_TASKS
    process_intake.enqueue()
    send_confirmations.enqueue()
    with caplog.at_level(logging.DEBUG):
        run_worker_turn()
    assert not [r for r in caplog.records if r.name in {"django.tasks", "groundswell.worker"}]

    caplog.clear()
    process_intake.enqueue()
    with caplog.at_level(logging.DEBUG):
        run_worker_turn(verbosity=2)
    lines = [r.getMessage() for r in caplog.records if r.name == "django.tasks"]
    assert any("process_intake state=SUCCESSFUL" in line for line in lines), lines


def test_a_failing_task_is_still_logged_with_its_error(
    transactional_db: None, settings: SettingsWrapper, caplog: pytest.LogCaptureFixture
) -> None:
    from groundswell.notifications.tasks import send_email

    settings.TASKS = DATABASE_TASKS
    # Nothing listens on the discard port on loopback: a mail server that is down.
    settings.MAILERS = {
        "default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                    "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2}}
    }  # fmt: skip
    send_email.enqueue(["dana@example.net"], "Hello", "Body")
    with caplog.at_level(logging.INFO):
        run_worker_turn()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors, caplog.text
    assert "send_email" in errors[0].getMessage()
    assert errors[0].exc_info is not None
