"""The verbs of the time log: a budget, the timer, entries by hand, changes and deletions.

Each works for one member of one organisation. A person's own entries are theirs to add,
change and delete; an owner may also correct a colleague's ("timelog.team"), and that is
audited with both names. The entries themselves are the record of the work: adding one (by
hand or by stopping the timer) is not audited; setting a budget, changing and deleting
entries are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.accounts.access import require
from groundswell.accounts.models import Membership, Organisation
from groundswell.audit.services import record
from groundswell.lib import leases
from groundswell.lib.dates import day_start, local_day

from . import budget
from .models import (
    DAY_MINUTES,
    TIMER_CAP_MINUTES,
    DailyBudget,
    RunningTimer,
    Source,
    TimeEntry,
)

ENTRY_FIELDS = ("date", "minutes", "campaign", "activity", "channel")
# How far back an entry may be dated: the log is for this year's work, not a history.
OLDEST_DAYS = 366


def today(organisation: Organisation | None = None) -> date:
    """Today where the organisation works (its time zone; the site's without one)."""
    if organisation is None:
        return timezone.localdate(leases.now())
    return organisation.today(leases.now())


def set_budget(membership: Membership, minutes: int | None) -> None:
    """Set (or, with None, remove) the member's daily budget for social media work."""
    with transaction.atomic():
        if minutes is None:
            changed = DailyBudget.objects.filter(membership=membership).delete()[0] > 0
            summary = _("Removed their daily time budget")
        else:
            if not 1 <= minutes <= DAY_MINUTES:
                raise ValidationError({"minutes": _("Enter minutes between 1 and 1,440.")})
            row, created = DailyBudget.objects.get_or_create(
                membership=membership, defaults={"minutes": minutes}
            )
            changed = created or row.minutes != minutes
            if not created and changed:
                row.minutes = minutes
                row.save(update_fields=["minutes", "updated_at"])
            summary = _("Set their daily time budget to %(n)d minutes") % {"n": minutes}
        if changed:
            record(
                organisation=membership.organisation,
                actor=membership.user,
                action="timelog.budget",
                target=membership,
                summary=summary,
            )
    budget.forget(membership.organisation, membership.user_id)


@dataclass(frozen=True)
class Work:
    """What a timer or an entry is about."""

    activity: str
    campaign: Any = None
    channel: str = ""


def start_timer(membership: Membership, work: Work) -> RunningTimer:
    """Start the member's timer; one per person, so a second start is refused."""
    _check_campaign(membership, work.campaign)
    try:
        with transaction.atomic():
            timer = RunningTimer.objects.create(
                user=membership.user,
                membership=membership,
                campaign=work.campaign,
                activity=work.activity,
                channel=work.channel,
                started_at=leases.now(),
            )
    except IntegrityError:
        # The unique user: another tab (or a double click) started one first.
        raise ValidationError(
            _("Your timer is already running. Stop it before you start another.")
        ) from None
    budget.forget(membership.organisation, membership.user_id)
    return timer


@dataclass(frozen=True)
class Stopped:
    entries: list[TimeEntry]  # one per day the timer ran on, in order; none if the days were full
    cut: bool  # the timer ran past TIMER_CAP_MINUTES and was cut to it
    trimmed: bool = False  # a day would have held more than 24 hours: it got what was left

    @property
    def minutes(self) -> int:
        return sum(entry.minutes for entry in self.entries)

    @property
    def entry(self) -> TimeEntry | None:
        return self.entries[0] if self.entries else None


def split_by_day(start: datetime, end: datetime, zone: tzinfo) -> list[tuple[date, float]]:
    """The seconds from `start` to `end` on each local day of `zone` they cross."""
    parts: list[tuple[date, float]] = []
    moment = start
    while moment < end:
        day = local_day(moment, zone)
        following = min(day_start(day + timedelta(days=1), zone), end)
        parts.append((day, (following - moment).total_seconds()))
        moment = following
    return parts


def stop_timer(membership: Membership) -> Stopped | None:
    """Stop the member's timer in this organisation and record its minutes as entries, one
    per day of the organisation's time zone it ran on (a timer across midnight gives two);
    None if no timer ran here (stopped already, in another tab).

    The timer keeps to what entries by hand keep to: at most TIMER_CAP_MINUTES in all, each
    day at most 24 hours with what was already logged; minutes are rounded up, each day's.
    """
    organisation = membership.organisation
    zone = organisation.zone
    entries: list[TimeEntry] = []
    trimmed = False
    with transaction.atomic():
        timer = RunningTimer.objects.select_for_update().filter(membership=membership).first()
        if timer is None:
            return None
        now = leases.now()
        elapsed = (now - timer.started_at).total_seconds() / 60
        cut = elapsed > TIMER_CAP_MINUTES
        end = min(now, timer.started_at + timedelta(minutes=TIMER_CAP_MINUTES))
        parts = split_by_day(timer.started_at, end, zone) or [
            (local_day(timer.started_at, zone), 0.0)
        ]
        for day, seconds in parts:
            minutes = max(1, math.ceil(seconds / 60))
            logged = (
                TimeEntry.objects.filter(
                    organisation=organisation, user=membership.user, date=day
                ).aggregate(total=Sum("minutes"))["total"]
                or 0
            )
            left = DAY_MINUTES - logged
            if minutes > left:
                trimmed = True
                minutes = left
            if minutes < 1 or (seconds < 60 and len(parts) > 1 and day != parts[0][0]):
                # A full day, or the few seconds past midnight of a timer stopped just then.
                continue
            entries.append(
                TimeEntry.objects.create(
                    organisation=organisation,
                    user=membership.user,
                    date=day,
                    minutes=minutes,
                    campaign=timer.campaign,
                    activity=timer.activity,
                    channel=timer.channel,
                    source=Source.TIMER,
                )
            )
        timer.delete()
    budget.forget(organisation, membership.user_id)
    return Stopped(entries, cut, trimmed)


def running_timer(membership: Membership) -> RunningTimer | None:
    """The person's running timer, in whichever organisation it runs."""
    return (
        RunningTimer.objects.select_related("campaign", "membership__organisation")
        .filter(user=membership.user)
        .first()
    )


def add_entry(membership: Membership, data: dict[str, Any]) -> TimeEntry:
    """An entry typed by hand, for the member themselves."""
    entry = TimeEntry(organisation=membership.organisation, user=membership.user)
    with transaction.atomic():
        _fill(membership, entry, data)
        entry.save()
    budget.forget(membership.organisation, membership.user_id)
    return entry


def change_entry(membership: Membership, entry: TimeEntry, data: dict[str, Any]) -> TimeEntry:
    _may_change(membership, entry)
    with transaction.atomic():
        entry = TimeEntry.objects.select_for_update().get(pk=entry.pk)
        before = {name: getattr(entry, name) for name in ENTRY_FIELDS}
        _fill(membership, entry, data)
        changed = [name for name in ENTRY_FIELDS if getattr(entry, name) != before[name]]
        if changed:
            entry.save()
            record(
                organisation=membership.organisation,
                actor=membership.user,
                action="timelog.entry_change",
                target=entry,
                summary=_("Changed time entry #%(id)s %(whose)s: %(fields)s")
                % {
                    "id": entry.pk,
                    "whose": _whose(membership, entry),
                    "fields": ", ".join(changed),
                },
            )
    if entry.user_id:
        budget.forget(membership.organisation, entry.user_id)
    return entry


def delete_entry(membership: Membership, entry: TimeEntry) -> None:
    _may_change(membership, entry)
    with transaction.atomic():
        deleted = TimeEntry.objects.filter(pk=entry.pk).delete()[0]
        if deleted:
            record(
                organisation=membership.organisation,
                actor=membership.user,
                action="timelog.entry_delete",
                target=entry,
                summary=_("Deleted time entry #%(id)s %(whose)s")
                % {"id": entry.pk, "whose": _whose(membership, entry)},
            )
    if entry.user_id:
        budget.forget(membership.organisation, entry.user_id)


def _whose(membership: Membership, entry: TimeEntry) -> str:
    """By number, never by name (audit summaries are kept for years)."""
    if entry.user_id == membership.user_id:
        return _("(their own)")
    if entry.user_id is None:
        return _("of a former member")
    return _("of user #%(user)s") % {"user": entry.user_id}


def _may_change(membership: Membership, entry: TimeEntry) -> None:
    if entry.organisation_id != membership.organisation_id:
        raise ValidationError(_("This entry belongs to another organisation."))
    if entry.user_id != membership.user_id:
        require(membership, "timelog.team")


def _check_campaign(membership: Membership, campaign: Any) -> None:
    if campaign is not None and campaign.organisation_id != membership.organisation_id:
        raise ValidationError({"campaign": _("Choose one of your organisation's campaigns.")})


def _fill(membership: Membership, entry: TimeEntry, data: dict[str, Any]) -> None:
    """Copy the fields over, checking what a form cannot: the campaign's organisation, the
    date's range and that one person's day holds no more than a day."""
    for name in ENTRY_FIELDS:
        if name in data:
            value = data[name]
            setattr(entry, name, "" if value is None and name != "campaign" else value)
    _check_campaign(membership, entry.campaign)
    errors: dict[str, str] = {}
    now = today(membership.organisation)
    if entry.date > now:
        errors["date"] = _("The date must be today or in the past.")
    elif entry.date < now - timedelta(days=OLDEST_DAYS):
        errors["date"] = _("The date must be within the last year.")
    if not 1 <= entry.minutes <= DAY_MINUTES:
        errors["minutes"] = _("Enter minutes between 1 and 1,440.")
    elif "date" not in errors:
        # A former member's entry (no user) is counted on its own.
        others = TimeEntry.objects.filter(
            organisation_id=entry.organisation_id, user=entry.user, date=entry.date
        ).exclude(pk=entry.pk)
        logged = others.aggregate(total=Sum("minutes"))["total"] or 0
        if logged + entry.minutes > DAY_MINUTES:
            errors["minutes"] = _(
                "That day already has %(logged)d minutes logged: enter %(left)d minutes or "
                "fewer, so the day holds no more than 24 hours."
            ) % {"logged": logged, "left": max(DAY_MINUTES - logged, 0)}
    if errors:
        raise ValidationError(errors)
