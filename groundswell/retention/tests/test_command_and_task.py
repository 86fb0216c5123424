"""`python -m groundswell retention ORG_SLUG [--dry-run]` and the daily task."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.core.management import CommandError, call_command

from groundswell.accounts.models import Organisation
from groundswell.actions.models import Petition, Signature
from groundswell.audit.models import AuditEntry
from groundswell.lib import retention as registry
from groundswell.notifications.models import OutboxMessage
from groundswell.retention.models import RetentionPeriod
from groundswell.testing import FakeClock, run_periodic

from .conftest import DAYS, age


def _command(*args: str) -> str:
    out = io.StringIO()
    call_command("retention", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def old_unconfirmed(
    org: Organisation, petition: Petition, sign: Callable[..., Signature], clock: FakeClock
) -> Signature:
    signature = sign(petition, "ana@example.net", confirm=False)
    age(signature, clock.moment - 40 * DAYS)
    return signature


def test_the_dry_run_prints_every_kind_and_changes_nothing(
    org: Organisation, old_unconfirmed: Signature
) -> None:
    entries = AuditEntry.objects.count()
    printed = _command("alices", "--dry-run")
    lines = printed.splitlines()
    assert lines[0].startswith("Alice's Campaigners (alices), ")
    assert lines[0].endswith("Dry run: nothing is changed.")
    assert (
        "  Unconfirmed signatures: would delete 1 signatures, 1 supporters (kept 30 days: "
        "older than " in printed
    )
    assert "  Inactive supporters: would anonymise nothing (kept 1095 days: " in printed
    # One line per organisation kind, each saying what it would do.
    kinds = registry.kinds()
    assert len([line for line in lines if line.startswith("  ")]) == len(kinds)
    for kind in kinds:
        assert f"  {kind.label}: would " in printed
    assert lines[-1] == "Would change 2 records in all."
    assert Signature.objects.filter(pk=old_unconfirmed.pk).exists()
    assert AuditEntry.objects.count() == entries


def test_the_dry_run_follows_the_organisations_own_schedule(
    org: Organisation, old_unconfirmed: Signature
) -> None:
    RetentionPeriod.objects.create(organisation=org, kind="actions.unconfirmed_signatures", days=60)
    printed = _command("alices", "--dry-run")
    assert "  Unconfirmed signatures: would delete nothing (kept 60 days: " in printed


def test_without_dry_run_it_applies_the_schedule_and_audits_the_run(
    org: Organisation, old_unconfirmed: Signature
) -> None:
    printed = _command("alices")
    assert "Applying the schedule." in printed.splitlines()[0]
    assert "  Unconfirmed signatures: deleted 1 signatures, 1 supporters (kept 30 days" in printed
    assert printed.splitlines()[-1] == "Changed 2 records in all."
    assert not Signature.objects.filter(pk=old_unconfirmed.pk).exists()
    entry = AuditEntry.objects.get(organisation=org, action="retention.run")
    assert entry.actor_label == "system"


def test_an_unknown_organisation_is_a_clear_error(db: None) -> None:
    with pytest.raises(CommandError, match="No organisation has the address name 'nobody'"):
        _command("nobody", "--dry-run")


def test_the_daily_task_runs_every_organisation_and_the_site_kinds(
    org: Organisation, charlie: object, old_unconfirmed: Signature, clock: FakeClock
) -> None:
    account_mail = OutboxMessage.objects.create(to="someone@example.net", subject="S", body="B")
    OutboxMessage.objects.filter(pk=account_mail.pk).update(created_at=clock.moment - 8 * DAYS)

    run_periodic("apply_retention")

    assert not Signature.objects.filter(pk=old_unconfirmed.pk).exists()
    assert not OutboxMessage.objects.filter(pk=account_mail.pk).exists()
    audited = AuditEntry.objects.filter(action="retention.run")
    assert sorted(audited.values_list("organisation__slug", flat=True)) == ["alices", "charlies"]


def test_a_kind_that_fails_stops_no_other_and_the_run_says_so(
    org: Organisation,
    old_unconfirmed: Signature,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dataclasses import replace

    def broken(organisation: object, cutoff: object) -> registry.Counts:
        raise RuntimeError("a row said no")

    kind = registry.REGISTRY["audit.log"]
    monkeypatch.setitem(registry.REGISTRY, kind.name, replace(kind, run=broken))

    with pytest.raises(Exception, match=r"alices: audit\.log"):
        run_periodic("apply_retention")

    assert not Signature.objects.filter(pk=old_unconfirmed.pk).exists()
    entry = AuditEntry.objects.get(organisation=org, action="retention.run")
    assert entry.changes["Audit log"] == [None, "failed"]
    assert "(Audit log failed)" in entry.summary
