from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from groundswell.accounts.models import Organisation
from groundswell.lib import retention
from groundswell.listening.models import MutedSource, Signal, SignalNote

pytestmark = pytest.mark.django_db


def test_signals_join_the_retention_schedule_and_go_after_their_period(
    org: Organisation,
) -> None:
    kind = retention.discover()["listening.signals"]
    old = Signal.objects.create(organisation=org, source="feed", external_id="old")
    Signal.objects.filter(pk=old.pk).update(heard_at=timezone.now() - timedelta(days=200))
    Signal.objects.create(organisation=org, source="feed", external_id="new")
    cutoff = kind.cutoff(timezone.now(), kind.default_days)

    assert kind.count(org, cutoff) == {"signals": 1}
    assert kind.run(org, cutoff) == {"signals": 1}
    assert list(Signal.objects.values_list("external_id", flat=True)) == ["new"]
    assert "not linked to supporters" in str(kind.covers)


def test_muted_sources_have_their_own_period_and_notes_go_with_their_signal(
    org: Organisation,
) -> None:
    kind = retention.discover()["listening.muted"]
    old = MutedSource.objects.create(organisation=org, key="https://a.example/@old", label="old")
    MutedSource.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=400))
    MutedSource.objects.create(organisation=org, key="https://a.example/@new", label="new")
    cutoff = kind.cutoff(timezone.now(), kind.default_days)

    assert kind.run(org, cutoff) == {"muted sources": 1}
    assert list(MutedSource.objects.values_list("label", flat=True)) == ["new"]
    signal = Signal.objects.create(organisation=org, source="feed", external_id="noted")
    SignalNote.objects.create(signal=signal, text="Jo from the gazette")
    signal.delete()
    assert not SignalNote.objects.exists()
