from __future__ import annotations

import pytest

from groundswell import testing
from groundswell.accounts.models import Membership
from groundswell.events.demo import seed_events
from groundswell.events.models import Attendance, Event

pytestmark = pytest.mark.django_db


def test_the_demo_event_is_full_with_one_waiting(owner: Membership) -> None:
    seed_events(owner, testing.make_campaign(owner))
    event = Event.objects.get()
    states = sorted(Attendance.objects.filter(event=event).values_list("state", flat=True))
    assert states == ["going", "going", "going", "waitlisted"]
    assert "fictional" in event.description
