"""Received activities are never lost: processing runs under a lease and failures are retried."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, NoReturn

import pytest
from django.utils import timezone

from groundswell.federation import documents, processing, tasks
from groundswell.federation.models import Interaction, ReceivedActivity, ReceivedState
from groundswell.stories.models import Story
from groundswell.testing import ClientResponse

from .peers import MastoActor


def like(zoe: MastoActor, story: Story, n: int = 1) -> dict[str, Any]:
    return {
        "id": f"{zoe.uri}#likes/{n}",
        "type": "Like",
        "actor": zoe.uri,
        "object": documents.story_uri(story),
    }


def test_a_handler_that_crashes_is_retried_later_and_then_done(
    send: Callable[..., ClientResponse],
    zoe: MastoActor,
    story: Story,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = processing.HANDLERS["Like"]
    calls: list[int] = []

    def flaky(*args: Any) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("the database went away")
        real(*args)

    monkeypatch.setitem(processing.HANDLERS, "Like", flaky)
    assert send(zoe, like(zoe, story)).status_code == 202
    row = ReceivedActivity.objects.get()
    assert row.state == ReceivedState.FAILED and row.next_attempt_at is not None
    assert not Interaction.objects.exists()
    tasks.sweep()  # not due yet
    assert ReceivedActivity.objects.get().state == ReceivedState.FAILED
    ReceivedActivity.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert tasks.sweep()["received"] == 1
    row.refresh_from_db()
    assert row.state == ReceivedState.PROCESSED and row.attempts == 2
    assert Interaction.objects.count() == 1


def test_a_handler_that_always_crashes_is_given_up_after_a_few_attempts(
    send: Callable[..., ClientResponse],
    zoe: MastoActor,
    story: Story,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: object) -> NoReturn:
        raise RuntimeError

    monkeypatch.setitem(processing.HANDLERS, "Like", broken)
    send(zoe, like(zoe, story))
    for _ in range(processing.MAX_ATTEMPTS + 2):
        ReceivedActivity.objects.filter(next_attempt_at__isnull=False).update(
            next_attempt_at=timezone.now() - timedelta(seconds=1)
        )
        tasks.sweep()
    row = ReceivedActivity.objects.get()
    assert row.state == ReceivedState.FAILED and row.attempts == processing.MAX_ATTEMPTS
    assert row.next_attempt_at is None


def test_an_activity_is_marked_processed_only_after_its_handler_ran(
    send: Callable[..., ClientResponse],
    zoe: MastoActor,
    story: Story,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen = []
    real = processing.HANDLERS["Like"]

    def watching(received: ReceivedActivity, *args: Any) -> None:
        seen.append(ReceivedActivity.objects.get(pk=received.pk).state)
        real(received, *args)

    monkeypatch.setitem(processing.HANDLERS, "Like", watching)
    send(zoe, like(zoe, story))
    assert seen == [ReceivedState.PROCESSING]
    assert ReceivedActivity.objects.get().state == ReceivedState.PROCESSED


def test_a_worker_that_died_mid_way_leaves_a_lease_the_sweep_hands_out_again(
    send: Callable[..., ClientResponse],
    zoe: MastoActor,
    story: Story,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(processing.HANDLERS, "Like", lambda *args: None)
    send(zoe, like(zoe, story))
    monkeypatch.undo()
    # As a worker leaves it when it dies with the handler half done.
    ReceivedActivity.objects.update(
        state=ReceivedState.PROCESSING, next_attempt_at=timezone.now() + processing.LEASE
    )
    row = ReceivedActivity.objects.get()
    assert processing.process(row.pk) == ReceivedState.PROCESSING  # the lease still holds
    assert tasks.sweep()["received"] == 0
    ReceivedActivity.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert tasks.sweep()["received"] == 1
    assert ReceivedActivity.objects.get().state == ReceivedState.PROCESSED
    assert Interaction.objects.count() == 1
