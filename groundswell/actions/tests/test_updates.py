"""Petition updates go out in turns, each person once, and resume after a failure or a kill."""

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import timedelta
from email.message import EmailMessage

import pytest
from django.utils import timezone
from pytest_django.fixtures import Settings

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.actions import tasks, updates
from groundswell.actions.models import (
    DeliveryState,
    Petition,
    PetitionUpdate,
    Signature,
    UpdateDelivery,
)
from groundswell.actions.petitions import post_update
from groundswell.actions.services import SignatureRequest, confirm_signature, sign_petition
from groundswell.lib import leases, periodic
from groundswell.notifications import bulk
from groundswell.notifications import rows as sending
from groundswell.notifications.bulk import Outgoing, deliver
from groundswell.notifications.owed import EMAIL_RETRY
from groundswell.supporters.services import withdraw_updates


def signed(
    petition: Petition, email: str, *, updates: bool = True, confirm: bool = True
) -> Signature:
    result = sign_petition(
        petition, SignatureRequest(email=email, given_name="Sam", wants_updates=updates)
    )
    if confirm:
        confirm_signature(result.signature.pk)
    return result.signature


@pytest.fixture
def signers(petition: Petition, smtp_server: testing.LocalSMTPServer) -> list[str]:
    wanted = [f"reader{n}@example.net" for n in range(7)]
    for address in wanted:
        signed(petition, address)
    signed(petition, "no.thanks@example.net", updates=False)
    signed(petition, "never.confirmed@example.net", confirm=False)
    smtp_server.messages.clear()
    return wanted


def update_ids(messages: list[EmailMessage]) -> Counter[str]:
    return Counter(m["Message-ID"] for m in messages if m["Message-ID"].startswith("<update."))


def test_an_update_goes_out_in_steps_to_each_wanting_signer_once(
    owner: Membership,
    petition: Petition,
    signers: list[str],
    smtp_server: testing.LocalSMTPServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(updates, "UPDATE_BATCH", 2)
    # One turn for every step, however loaded the machine: under the immediate backend a
    # turn that ends with work left queues no next run.
    monkeypatch.setattr(periodic, "TURN", timedelta(minutes=5))
    sent_per_step: list[int] = []
    real_batch = updates._send_update_batch

    def counted_batch(update: PetitionUpdate, still_ours: Callable[[], None]) -> int:
        sent_per_step.append(real_batch(update, still_ours))
        return sent_per_step[-1]

    monkeypatch.setattr(updates, "_send_update_batch", counted_batch)
    update = post_update(owner, petition, subject="We delivered it", body="Thank you all.")
    assert sorted(m["To"] for m in smtp_server.messages) == signers
    assert all(n == 1 for n in update_ids(smtp_server.messages).values())
    assert sent_per_step == [2, 2, 2, 1, 0]  # bounded steps, until nothing is left
    update.refresh_from_db()
    assert update.recipients == 7
    assert update.finished_at is not None
    assert UpdateDelivery.objects.filter(update=update, state=DeliveryState.SENT).count() == 7
    assert "Thank you all." in smtp_server.bodies()[0]


def test_a_turn_that_fails_mid_batch_is_resumed_without_sending_anyone_twice(
    owner: Membership,
    petition: Petition,
    signers: list[str],
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(updates, "UPDATE_BATCH", 4)
    failing = testing.LocalSMTPServer(accept=3)  # the server goes away after three messages
    failing.use(settings)
    try:
        update = post_update(owner, petition, subject="News", body="More news.")
    finally:
        failing.stop()
    assert len(failing.messages) == 3
    update.refresh_from_db()
    assert update.finished_at is None
    assert (update.holder, update.until) == ("", None)  # the failed step let go of it
    healthy = testing.LocalSMTPServer()
    healthy.use(settings)
    try:
        tasks.send_updates.call()  # its next run
    finally:
        healthy.stop()
    everyone = failing.messages + healthy.messages
    assert sorted(m["To"] for m in everyone) == signers
    assert all(n == 1 for n in update_ids(everyone).values())
    update.refresh_from_db()
    assert update.finished_at is not None
    assert update.recipients == 7


def test_a_kill_between_the_servers_250_and_our_record_doubles_one_message_at_most(
    owner: Membership,
    petition: Petition,
    signers: list[str],
    smtp_server: testing.LocalSMTPServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_deliver = deliver  # as notifications/rows.py, which sends for updates.py, sees it
    records: list[list[Outgoing]] = []

    def killed_after_two_records(
        items: Sequence[Outgoing], record: bulk.Record, defer: bulk.Record | None = None
    ) -> int:
        def record_then_die(done: list[Outgoing]) -> None:
            if len(records) == 2:
                raise SystemExit("killed")  # as if the worker died here
            records.append(done)
            record(done)

        return real_deliver(items, record_then_die, defer)

    monkeypatch.setattr(sending, "deliver", killed_after_two_records)
    monkeypatch.setattr(bulk, "CONNECTIONS", 1)
    update = post_update(owner, petition, subject="News", body="More news.")
    first_run = list(smtp_server.messages)
    assert len(first_run) == 3  # two recorded, the third taken but not recorded
    monkeypatch.setattr(sending, "deliver", real_deliver)
    # (A worker really killed would not let go of the update: the next run then waits for
    # the step's lease to run out, as the test below shows.)
    tasks.send_updates.call()  # the next run
    ids = update_ids(smtp_server.messages)
    assert sorted({m["To"] for m in smtp_server.messages}) == signers
    assert sum(ids.values()) - len(ids) == 1  # exactly the one in the gap, same Message-ID
    update.refresh_from_db()
    assert update.recipients == 7


def test_a_step_leaves_an_update_alone_while_another_step_holds_it(
    owner: Membership,
    petition: Petition,
    signers: list[str],
    smtp_server: testing.LocalSMTPServer,
    monkeypatch: pytest.MonkeyPatch,
    clock: testing.FakeClock,
) -> None:
    monkeypatch.setattr(tasks, "queue_update", lambda update: None)  # post, send nothing yet
    update = post_update(owner, petition, subject="News", body="More news.")
    rows = PetitionUpdate.objects.filter(pk=update.pk)
    assert leases.take(rows, "another step", clock.moment, updates.UPDATE_LEASE)
    tasks.send_updates.call()
    assert smtp_server.messages == []
    assert rows.get().holder == "another step"  # the step that found it held let it be
    # The holder died: once its lease has run out the next run takes over.
    clock.advance(updates.UPDATE_LEASE + timedelta(seconds=1))
    tasks.send_updates.call()
    assert sorted(m["To"] for m in smtp_server.messages) == signers


def test_a_step_whose_lease_ran_out_mid_send_stops_and_leaves_the_new_holder_alone(
    owner: Membership,
    petition: Petition,
    signers: list[str],
    smtp_server: testing.LocalSMTPServer,
    monkeypatch: pytest.MonkeyPatch,
    clock: testing.FakeClock,
) -> None:
    real_deliver = deliver  # as notifications/rows.py, which sends for updates.py, sees it
    rows = PetitionUpdate.objects.filter(finished_at__isnull=True)
    records: list[list[Outgoing]] = []

    def slow_second_message(
        items: Sequence[Outgoing], record: bulk.Record, defer: bulk.Record | None = None
    ) -> int:
        def record_late(done: list[Outgoing]) -> None:
            records.append(done)
            if len(records) == 2:
                # The smarthost took longer than the lease over the second message, and
                # another step took the update over meanwhile.
                clock.advance(updates.UPDATE_LEASE + timedelta(seconds=1))
                assert leases.take(rows, "another step", clock.moment, updates.UPDATE_LEASE)
            record(done)

        return real_deliver(items, record_late, defer)

    monkeypatch.setattr(sending, "deliver", slow_second_message)
    monkeypatch.setattr(bulk, "CONNECTIONS", 1)
    update = post_update(owner, petition, subject="News", body="More news.")
    assert len(smtp_server.messages) == 2  # it sent nothing more once the lease was lost
    update.refresh_from_db()
    assert update.holder == "another step"  # and did not let go of the other's lease
    assert update.finished_at is None
    assert UpdateDelivery.objects.filter(update=update, state=DeliveryState.SENT).count() == 2
    # The other step sends the rest (here: its lease runs out and the next run does).
    monkeypatch.setattr(sending, "deliver", real_deliver)
    clock.advance(updates.UPDATE_LEASE + timedelta(seconds=1))
    tasks.send_updates.call()
    assert sorted(m["To"] for m in smtp_server.messages) == signers
    assert all(n == 1 for n in update_ids(smtp_server.messages).values())
    update.refresh_from_db()
    assert update.recipients == 7


def test_people_who_signed_after_the_update_or_unsubscribed_meanwhile_do_not_get_it(
    owner: Membership,
    petition: Petition,
    signers: list[str],
    smtp_server: testing.LocalSMTPServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tasks, "queue_update", lambda update: None)
    update = post_update(owner, petition, subject="News", body="More news.")
    later = signed(petition, "came.later@example.net")
    Signature.objects.filter(pk=later.pk).update(
        created_at=update.created_at + timedelta(seconds=1)
    )
    updates._list_recipients(update)
    quitter = UpdateDelivery.objects.filter(update=update).order_by("pk").first()
    assert quitter is not None
    withdraw_updates(quitter.supporter)  # clicked "unsubscribe" in an earlier email
    smtp_server.messages.clear()
    tasks.send_updates.call()
    got = sorted(m["To"] for m in smtp_server.messages)
    assert got == sorted(set(signers) - {quitter.supporter.email})
    assert UpdateDelivery.objects.get(pk=quitter.pk).state == DeliveryState.SKIPPED


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_leaves_an_update_whose_old_task_still_waited_to_the_new_sender(
    petition: Petition,
) -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django_tasks_db.models import DBTaskResult

    def update(subject: str, recipients: int) -> int:
        return PetitionUpdate.objects.create(
            petition=petition, subject=subject, body="News.", recipients=recipients
        ).pk

    ran, sent_to_nobody, queued = update("ran", 3), update("nobody", 0), update("queued", 0)
    executor = MigrationExecutor(connection)
    executor.migrate([("actions", "0005_signature_repeat_notices")])
    DBTaskResult.objects.create(
        task_path="groundswell.actions.tasks.send_update",
        args_kwargs={"args": [queued], "kwargs": {}},
        backend_name="default",
        queue_name="default",
        run_after=timezone.now(),
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    finished = dict(PetitionUpdate.objects.values_list("pk", "finished_at"))
    assert finished[ran] is not None
    assert finished[sent_to_nobody] is not None  # its old task ran: nothing to send again
    assert finished[queued] is None  # the new send_updates lists its recipients afresh


def test_a_recipient_put_off_gets_the_update_at_its_retry_and_the_update_waits_for_it(
    owner: Membership,
    petition: Petition,
    signers: list[str],
    smtp_server: testing.LocalSMTPServer,
    clock: testing.FakeClock,
) -> None:
    smtp_server.defer.add(signers[0])  # 450 at RCPT, as a full mailbox would
    update = post_update(owner, petition, subject="News", body="More news.")
    assert sorted(m["To"] for m in smtp_server.messages) == signers[1:]
    busy = UpdateDelivery.objects.get(update=update, supporter__email=signers[0])
    assert (busy.state, busy.attempts) == (DeliveryState.PENDING, 1)
    assert busy.retry_at == clock.moment + EMAIL_RETRY.waits[0]
    update.refresh_from_db()
    assert update.finished_at is None
    assert update.until == busy.retry_at  # parked until then, free for any step after
    smtp_server.defer.clear()
    tasks.send_updates.call()
    assert len(smtp_server.messages) == 6  # not before its time
    clock.advance(EMAIL_RETRY.waits[0])
    tasks.send_updates.call()
    assert sorted(m["To"] for m in smtp_server.messages) == signers
    assert all(n == 1 for n in update_ids(smtp_server.messages).values())
    update.refresh_from_db()
    assert update.finished_at is not None
    assert update.recipients == 7


def test_a_recipient_put_off_at_every_try_is_recorded_refused(
    owner: Membership,
    petition: Petition,
    signers: list[str],
    smtp_server: testing.LocalSMTPServer,
    clock: testing.FakeClock,
) -> None:
    smtp_server.defer.add(signers[0])
    update = post_update(owner, petition, subject="News", body="More news.")
    for wait in EMAIL_RETRY.waits:
        clock.advance(wait)
        tasks.send_updates.call()
    busy = UpdateDelivery.objects.get(update=update, supporter__email=signers[0])
    assert (busy.state, busy.attempts) == (DeliveryState.REFUSED, EMAIL_RETRY.attempts)
    update.refresh_from_db()
    assert update.finished_at is not None
    assert update.recipients == 6
    assert sorted(m["To"] for m in smtp_server.messages) == signers[1:]
