"""Spikes: a keyword rule or a campaign heard far more in the last hour than its own
history explains (docs/listening.md, "Spike alerts").

For each subject with at least MIN_SIGNALS signals in the WINDOW, its signals over the
BASELINE before the window (or since the subject, or the oldest signal kept, began; the
hours of its earlier spikes left out, so that a storm that goes on for days never becomes
its normal) give an hourly rate, floored at FLOOR_PER_HOUR; the expected count is that
rate times the window. The subject spikes when the Poisson tail of the count seen is below
SURPRISE (lib/statistics.py, the test fraud's trending sources use). Signals staff ignored
(and those of muted sources, which arrive ignored) count neither in the window nor in the
baseline. Run by the periodic `watch_spikes`, never in a request.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncHour

from groundswell.campaigns.models import Campaign
from groundswell.lib.statistics import split_baseline, surprising

from .models import KeywordRule, Signal, SignalState, Spike

WINDOW = timedelta(hours=1)
BASELINE = timedelta(days=14)
# A subject with no history (a new rule, a campaign never heard of) is taken to be heard
# about once a day: five signals in an hour then spike, two do not.
FLOOR_PER_HOUR = 1 / 24
# Fewer signals than this in the hour never spike, however unusual: too few to act on.
MIN_SIGNALS = 5
# Checked every few minutes, about one false alarm a month per subject at this level.
SURPRISE = 1e-5
# One alert per subject per THROTTLE, however long the spike lasts.
THROTTLE = timedelta(hours=3)
# Spikes are counts and a subject's name: kept a year for the history of what drew
# attention, then deleted.
KEEP = timedelta(days=365)

Subject = tuple[str, int]  # ("rule", id) or ("campaign", id)


def counted(organisation_id: int) -> QuerySet[Signal]:
    return Signal.objects.filter(organisation_id=organisation_id).exclude(state=SignalState.IGNORED)


def _window_counts(start: datetime, now: datetime) -> dict[int, dict[Subject, int]]:
    """Per organisation, the subjects with MIN_SIGNALS or more heard in [start, now]."""
    heard = Signal.objects.filter(heard_at__gte=start, heard_at__lte=now).exclude(
        state=SignalState.IGNORED
    )
    found: dict[int, dict[Subject, int]] = defaultdict(dict)
    by_rule = (
        heard.filter(rules__isnull=False)
        .values("organisation_id", "rules")
        .annotate(n=Count("id"))
        .filter(n__gte=MIN_SIGNALS)
        .order_by()
    )
    for row in by_rule:
        found[row["organisation_id"]][("rule", row["rules"])] = row["n"]
    by_campaign = (
        heard.filter(campaign__isnull=False)
        .values("organisation_id", "campaign_id")
        .annotate(n=Count("id"))
        .filter(n__gte=MIN_SIGNALS)
        .order_by()
    )
    for campaign_row in by_campaign:
        found[campaign_row["organisation_id"]][("campaign", campaign_row["campaign_id"])] = (
            campaign_row["n"]
        )
    return found


def _of(subject: Subject) -> Q:
    kind, pk = subject
    return Q(rules=pk) if kind == "rule" else Q(campaign_id=pk)


def _spikes_of(subject: Subject) -> Q:
    kind, pk = subject
    return Q(rule_id=pk) if kind == "rule" else Q(campaign_id=pk)


def detect(now: datetime, on_raised: Callable[[list[Spike]], object] | None = None) -> list[Spike]:
    """Raise a Spike for each subject spiking now and not raised within THROTTLE.

    `on_raised` (the alert emails) runs in the same transaction as the spike's row: a run
    that dies between the two leaves neither, and the next run raises it again, instead of
    a spike whose throttle silences it while nobody was told."""
    start = now - WINDOW
    raised = []
    for organisation_id, subjects in _window_counts(start, now).items():
        for subject, observed in sorted(subjects.items()):
            with transaction.atomic():
                spike = _check(organisation_id, subject, observed, start, now)
                if spike is not None and on_raised is not None:
                    on_raised([spike])
            if spike is not None:
                raised.append(spike)
    return raised


def _check(
    organisation_id: int, subject: Subject, observed: int, start: datetime, now: datetime
) -> Spike | None:
    mine = Spike.objects.filter(_spikes_of(subject), organisation_id=organisation_id)
    if mine.filter(raised_at__gt=now - THROTTLE).exists():
        return None
    since = _baseline_start(organisation_id, subject, start)
    earlier = [
        (max(begin, since), min(end, start))
        for begin, end in mine.filter(window_end__gt=since).values_list(
            "window_start", "window_end"
        )
    ]
    # Hour by hour, so that the hours of earlier spikes can be left out (by the hour they
    # began in: a spike's first, partial hour goes with it).
    history = (
        counted(organisation_id)
        .filter(_of(subject), heard_at__gte=since, heard_at__lt=start)
        .annotate(hour=TruncHour("heard_at"))
        .values_list("hour")
        .annotate(n=Count("id"))
        .order_by()
    )
    hours = [(hour, n) for hour, n in history]
    widened = [(_hour_of(begin), end) for begin, end in earlier]
    before, _left_out = split_baseline(hours, widened)
    spent = sum(((end - begin) for begin, end in widened if end > begin), timedelta())
    baseline_hours = max((start - since - spent) / timedelta(hours=1), 1.0)
    rate = max(before / baseline_hours, FLOOR_PER_HOUR)
    expected = rate * (WINDOW / timedelta(hours=1))
    found, tail = surprising(observed, expected, minimum=MIN_SIGNALS, threshold=SURPRISE)
    if not found:
        return None
    kind, pk = subject
    return Spike.objects.create(
        organisation_id=organisation_id,
        rule_id=pk if kind == "rule" else None,
        campaign_id=pk if kind == "campaign" else None,
        window_start=start,
        window_end=now,
        signals=observed,
        baseline=before,
        baseline_hours=baseline_hours,
        expected=expected,
        tail=tail,
        raised_at=now,
    )


def _baseline_start(organisation_id: int, subject: Subject, start: datetime) -> datetime:
    """BASELINE before the window, or later: not before the rule or campaign existed (a
    rule tags nothing heard before it), nor before the oldest signal the organisation still
    keeps (its retention period may be shorter, or it began listening lately)."""
    kind, pk = subject
    model = KeywordRule if kind == "rule" else Campaign
    created = model.objects.filter(pk=pk).values_list("created_at", flat=True).first()
    oldest = (
        Signal.objects.filter(organisation_id=organisation_id)
        .order_by("heard_at")
        .values_list("heard_at", flat=True)
        .first()
    )
    return max(moment for moment in (start - BASELINE, created, oldest) if moment is not None)


def _hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def signals_of(spike: Spike, limit: int = 50) -> QuerySet[Signal]:
    """The signals that caused it: the subject's, heard in its window, newest first."""
    subject: Subject = (
        ("rule", spike.rule_id) if spike.rule_id is not None else ("campaign", spike.campaign_id)  # type: ignore[assignment]
    )
    return (
        Signal.objects.for_organisation(spike.organisation_id)  # type: ignore[arg-type]
        .filter(_of(subject), heard_at__gte=spike.window_start, heard_at__lte=spike.window_end)
        .exclude(state=SignalState.IGNORED)[:limit]
    )


def forget_old(now: datetime) -> int:
    return Spike.objects.filter(raised_at__lt=now - KEEP).delete()[0]
