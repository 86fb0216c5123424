"""Reports go once their item was decided after them and that decision is past the period."""

from __future__ import annotations

from groundswell.accounts.models import Organisation
from groundswell.moderation.models import ModerationItem, ModerationState, Report
from groundswell.retention import services
from groundswell.testing import FakeClock

from .conftest import DAYS


def test_reports_go_once_decided_and_old(
    org: Organisation, other_org: Organisation, clock: FakeClock
) -> None:
    def report(organisation: Organisation, made: int, decided: int | None) -> Report:
        item = ModerationItem.objects.create(
            organisation=organisation,
            kind="fediverse.reply",
            author_key="https://social.example/users/someone",
            state=ModerationState.PENDING if decided is None else ModerationState.APPROVED,
            decided_at=None if decided is None else clock.moment - decided * DAYS,
            submitted_at=clock.moment - 200 * DAYS,
        )
        made_report = Report.objects.create(item=item, reason="It names a neighbour.")
        Report.objects.filter(pk=made_report.pk).update(created_at=clock.moment - made * DAYS)
        return made_report

    settled_old = report(org, made=100, decided=95)  # decided 95 days ago: past 90
    settled_recent = report(org, made=100, decided=80)
    waiting = report(org, made=100, decided=None)
    decided_before_it = report(org, made=100, decided=120)  # the report still waits
    theirs = report(other_org, made=100, decided=95)

    services.run_organisation(org, now=clock.moment)

    assert set(Report.objects.values_list("pk", flat=True)) == {
        settled_recent.pk, waiting.pk, decided_before_it.pk, theirs.pk,
    }  # fmt: skip
    assert not Report.objects.filter(pk=settled_old.pk).exists()
