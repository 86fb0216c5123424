"""Slow reporting (rankings, analytics roll-ups, retention, fraud's source watch) has a queue
and a worker process of its own: while it reads large tables, signatures are still recorded,
counted and emailed."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from groundswell.hub.management.commands.worker import queue_commands
from groundswell.lib import periodic

# The periodic tasks that read whole tables for seconds or more (docs/performance.md, P4).
REPORTING = [
    "rank_evangelists",
    "roll_up_counts",
    "roll_up_row_kinds",
    "apply_retention",
    "watch_sources",
    "watch_spikes",
]
# What must never wait behind them: the intake, the public count, email.
SIGNING_AND_COUNTS = [
    "process_intake",
    "send_confirmations",
    "send_updates",
    "recount_petitions",
    "reconcile_tallies",
]


@pytest.mark.parametrize("name", REPORTING)
def test_slow_reporting_is_declared_on_the_reports_queue(name: str) -> None:
    assert periodic.discover()[name].queue_name == "reports"


@pytest.mark.parametrize("name", SIGNING_AND_COUNTS)
def test_signing_counting_and_email_stay_on_the_default_queue(name: str) -> None:
    assert periodic.discover()[name].queue_name == "default"


def test_every_periodic_task_is_on_a_queue_the_worker_runs() -> None:
    queues = {name: each.queue_name for name, each in periodic.discover().items()}
    assert set(queues.values()) <= set(settings.TASK_QUEUES), queues
    assert settings.TASKS["default"]["QUEUES"] == settings.TASK_QUEUES


@pytest.mark.parametrize("verbosity", [1, 2])
def test_the_worker_starts_one_process_for_every_queue_in_settings(verbosity: int) -> None:
    commands = queue_commands(verbosity)
    assert [command[-2:] for command in commands] == [
        ["--queue", queue]
        for queue in settings.TASK_QUEUES
        for _ in range(settings.TASK_QUEUE_PROCESSES.get(queue, 1))
    ]
    # Several processes wait on slow servers; signing, counts and email keep their one.
    assert [command[-1] for command in commands].count("network") == 4
    assert [command[-1] for command in commands].count("default") == 1
    assert {"default", "network", "reports"} <= set(settings.TASK_QUEUES)
    assert all(command[1:4] == ["-m", "groundswell", "worker"] for command in commands)


def test_the_default_queue_records_and_emails_while_reports_wait_for_their_own_worker(
    transactional_db: None, settings: Settings
) -> None:
    from django_tasks_db.models import DBTaskResult

    from groundswell import testing
    from groundswell.actions.models import Signature
    from groundswell.analytics.models import DailyCount
    from groundswell.referrals.models import EvangelistRanking

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": settings.TASK_QUEUES}
    }
    alice = testing.make_user("alice@example.org", "Alice Owner")
    org = testing.make_organisation(alice, name="Alice's Campaigners", slug="alices")
    owner = testing.membership(alice, org)
    petition = testing.make_petition(owner, testing.make_campaign(owner))
    answer = Client(HTTP_HOST="127.0.0.1").post(
        reverse("actions:sign", args=[org.slug, petition.pk]),
        {"given_name": "Dana", "email": "dana@example.net", "consent": "on"},
    )
    assert answer.status_code == 302, answer.status_code
    # What the worker command does at start-up: one run of every periodic task waiting.
    DBTaskResult.objects.all().delete()
    periodic.schedule_all()
    reports = DBTaskResult.objects.filter(queue_name="reports")
    assert sorted(reports.values_list("task_path", flat=True)) == sorted(
        periodic.discover()[name].module_path for name in REPORTING
    )

    # Turns of the default queue's worker, as its process would take them (the confirmation
    # run may come before the intake has recorded the signature, then half a second later).
    give_up = time.monotonic() + 20
    while not mail.outbox and time.monotonic() < give_up:
        call_command(
            "db_worker", queue_name="default", batch=True, startup_delay=False, verbosity=0
        )
        time.sleep(0.2)
    assert Signature.objects.filter(petition=petition).count() == 1
    assert [message.to for message in mail.outbox] == [["dana@example.net"]]
    # The reporting runs were left to the reports worker, untouched.
    assert set(reports.values_list("status", flat=True)) == {"READY"}
    assert not EvangelistRanking.objects.exists()
    assert not DailyCount.objects.exists()

    call_command("db_worker", queue_name="reports", batch=True, startup_delay=False, verbosity=0)
    done = reports.filter(status="SUCCESSFUL").values_list("task_path", flat=True)
    assert sorted(done) == sorted(periodic.discover()[name].module_path for name in REPORTING)
    assert EvangelistRanking.objects.filter(organisation=org, campaign=None).exists()
    assert DailyCount.objects.filter(organisation=org, kind="sign").exists()
