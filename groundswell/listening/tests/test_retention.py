from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from groundswell.accounts.models import Organisation
from groundswell.lib import retention
from groundswell.listening.models import Signal

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
