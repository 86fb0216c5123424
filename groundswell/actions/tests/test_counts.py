"""The public count: right soon after every change, and corrected if it ever drifts."""

from datetime import timedelta
from typing import NoReturn

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from groundswell.actions import intake, services, tasks
from groundswell.actions.models import Petition, PetitionTally, Signature, SignatureState
from groundswell.actions.services import confirm_signature


@pytest.fixture
def queued(task_queue: None) -> None:
    """A real task queue: nothing runs until the test runs it."""


def sign(client: Client, petition: Petition, email: str) -> None:
    response = client.post(
        reverse("actions:sign", args=[petition.organisation.slug, petition.pk]),
        {"given_name": "Ana", "email": email, "consent": "on"},
    )
    assert response.status_code == 302


def shown(petition: Petition) -> tuple[int, int]:
    """Run the recount task as the worker does, and read what the page would show."""
    tasks.recount_petitions.call()
    tally = PetitionTally.objects.get(petition=petition)
    return tally.confirmed, tally.pending


def test_confirming_a_signature_changes_the_count_at_the_next_recount(
    client: Client, petition: Petition, queued: None
) -> None:
    sign(client, petition, "ana@example.net")
    sign(client, petition, "bo@example.net")
    intake.process()
    assert shown(petition) == (0, 2)
    confirm_signature(Signature.objects.get(supporter__email="ana@example.net").pk)
    assert shown(petition) == (1, 1)
    confirm_signature(Signature.objects.get(supporter__email="bo@example.net").pk)
    assert shown(petition) == (2, 0)


def test_a_repeat_signer_waiting_in_the_intake_is_not_counted_twice(
    client: Client, petition: Petition, queued: None
) -> None:
    sign(client, petition, "ana@example.net")
    intake.process()
    assert shown(petition) == (0, 1)
    sign(client, petition, "ANA@example.net")  # signs again: a new intake row
    assert shown(petition) == (0, 1)
    intake.process()
    assert shown(petition) == (0, 1)
    confirm_signature(Signature.objects.get().pk)
    sign(client, petition, "ana@example.net")
    assert shown(petition) == (1, 0)
    intake.process()
    assert shown(petition) == (1, 0)


def test_reconciliation_recounts_a_tally_that_drifted_from_the_rows(
    client: Client, petition: Petition, queued: None
) -> None:
    for name in ("ana", "bo", "cy"):
        sign(client, petition, f"{name}@example.net")
    intake.process()
    assert shown(petition) == (0, 3)
    # A change the change-driven recount cannot see: committed with an older timestamp.
    long_ago = timezone.now() - timedelta(hours=1)
    Signature.objects.update(updated_at=long_ago - timedelta(minutes=1))
    PetitionTally.objects.filter(petition=petition).update(computed_at=long_ago)
    assert shown(petition) == (0, 3)
    Signature.objects.filter(supporter__email="ana@example.net").update(
        state=SignatureState.CONFIRMED, updated_at=long_ago - timedelta(seconds=1)
    )
    assert shown(petition) == (0, 3)  # the drift: nothing marks the petition as changed
    tasks.reconcile_tallies.call()
    tally = PetitionTally.objects.get(petition=petition)
    assert (tally.confirmed, tally.pending) == (1, 2)
    assert tally.computed_at > long_ago


def test_reconciliation_leaves_fresh_tallies_alone_and_always_queues_its_next_run(
    petition: Petition, queued: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django_tasks_db.models import DBTaskResult

    PetitionTally.objects.filter(petition=petition).update(confirmed=7)
    tasks.reconcile_tallies.call()
    assert PetitionTally.objects.get(petition=petition).confirmed == 7  # computed just now
    DBTaskResult.objects.all().delete()

    def broken(*args: object, **kwargs: object) -> NoReturn:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "tallies_to_reconcile", broken)  # as tasks.py sees it
    with pytest.raises(RuntimeError):
        tasks.reconcile_tallies.call()
    assert DBTaskResult.objects.filter(
        status="READY", task_path__endswith="reconcile_tallies"
    ).exists()
