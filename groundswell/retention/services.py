"""Retention runs and schedules: the verbs the daily task, the command and the settings page
call (lib/retention.py holds the kinds)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from groundswell.accounts.access import require
from groundswell.accounts.models import Membership, Organisation
from groundswell.audit.services import record
from groundswell.lib import leases, worklog
from groundswell.lib import retention as registry
from groundswell.lib.retention import Counts, Kind

from .models import RetentionPeriod

logger = logging.getLogger("groundswell.retention")


def periods(organisation: Organisation) -> dict[str, int]:
    """Days per kind for the organisation: its own choice where it made one, else the
    default. Every organisation kind is in the answer."""
    chosen = dict(
        RetentionPeriod.objects.filter(organisation=organisation).values_list("kind", "days")
    )
    return {kind.name: chosen.get(kind.name, kind.default_days) for kind in registry.kinds()}


@transaction.atomic
def set_periods(membership: Membership, days: dict[str, int]) -> dict[str, list[int]]:
    """Store the owner's periods (already validated against each kind's bounds); audited.
    Returns what changed, {kind: [old, new]}."""
    require(membership, "organisation.edit")
    organisation = membership.organisation
    before = periods(organisation)
    changes = {
        name: [before[name], value]
        for name, value in days.items()
        if name in before and before[name] != value
    }
    for name, (_old, value) in changes.items():
        RetentionPeriod.objects.update_or_create(
            organisation=organisation, kind=name, defaults={"days": value}
        )
    if changes:
        record(
            organisation=organisation,
            actor=membership.user,
            action="retention.schedule",
            target=organisation,
            summary=_("Changed how long personal data is kept: %(kinds)s")
            % {"kinds": ", ".join(str(registry.REGISTRY[name].label) for name in changes)},
            changes=changes,
        )
    return changes


@dataclass
class Outcome:
    kind: Kind
    days: int
    cutoff: datetime
    counts: Counts
    error: str = ""


def preview(organisation: Organisation, now: datetime | None = None) -> list[Outcome]:
    """What a run would delete or anonymise now, per kind; changes nothing."""
    return _each(organisation, now, dry=True)


def run_organisation(
    organisation: Organisation, *, actor: Any = None, now: datetime | None = None
) -> list[Outcome]:
    """Apply the organisation's schedule now, kind by kind, and audit the run with its counts.

    A kind that fails does not stop the others; the run is audited with what was done and
    which kinds failed, and the first failure is raised after (so the daily task's run
    counts as failed and backs off).
    """
    outcomes = _each(organisation, now, dry=False)
    failed = [each for each in outcomes if each.error]
    done = {
        str(each.kind.label): [None, registry.describe(each.counts)]
        for each in outcomes
        if registry.total(each.counts)
    }
    done.update({str(each.kind.label): [None, _("failed")] for each in failed})
    removed = sum(registry.total(each.counts) for each in outcomes)
    summary = _("Retention run: %(count)d records deleted or anonymised under the schedule") % {
        "count": removed
    }
    if failed:
        summary += " " + _("(%(kinds)s failed)") % {
            "kinds": ", ".join(str(each.kind.label) for each in failed)
        }
    record(
        organisation=organisation,
        actor=actor,
        action="retention.run",
        target=organisation,
        summary=summary,
        changes=done,
    )
    if failed:
        raise RetentionFailed(f"{organisation.slug}: {', '.join(e.kind.name for e in failed)}")
    return outcomes


class RetentionFailed(Exception):
    pass


def _each(organisation: Organisation, now: datetime | None, *, dry: bool) -> list[Outcome]:
    moment = now or leases.now()
    chosen = periods(organisation)
    outcomes = []
    for kind in registry.kinds():
        days = chosen[kind.name]
        cutoff = kind.cutoff(moment, days)
        outcome = Outcome(kind=kind, days=days, cutoff=cutoff, counts={})
        try:
            outcome.counts = (kind.count if dry else kind.run)(organisation, cutoff)
        except Exception as error:
            if dry:
                raise
            # The class only: a message may carry personal data from a row.
            logger.exception("Retention %s failed for %s", kind.name, organisation.slug)
            outcome.error = type(error).__name__
        outcomes.append(outcome)
    return outcomes


def run_site(now: datetime | None = None) -> list[Outcome]:
    """Apply the site-wide kinds at their default periods; logged, as no organisation owns
    them."""
    moment = now or leases.now()
    outcomes = []
    for kind in registry.kinds(site_wide=True):
        cutoff = kind.cutoff(moment, kind.default_days)
        counts = kind.run(None, cutoff)
        for noun, count in counts.items():
            worklog.did("deleted", count, noun)
        outcomes.append(Outcome(kind=kind, days=kind.default_days, cutoff=cutoff, counts=counts))
    return outcomes


def run_all(now: datetime | None = None) -> int:
    """The daily run: every organisation's schedule, then the site-wide kinds. Returns how
    many organisations were run; raises after the end if any of them failed."""
    first_failure: Exception | None = None
    organisations = list(Organisation.objects.order_by("pk"))
    for organisation in organisations:
        try:
            run_organisation(organisation, now=now)
        except Exception as error:  # noqa: BLE001 - one organisation's failure stops no other
            first_failure = first_failure or error
    run_site(now)
    if first_failure is not None:
        raise first_failure
    return len(organisations)
