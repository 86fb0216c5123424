"""The registry of retention kinds: every kind of personal data the product keeps, and how
long.

Each app that keeps personal data says so in its own `retention.py`, with `register(Kind(...))`
at import time; `discover()` imports every app's module, as lib/periodic.py does for tasks.
A kind names the data it covers, its default period, whether a run deletes or anonymises,
and two functions taking an organisation (None for a site-wide kind) and a cutoff: `run`
does it to what is older than the cutoff and `count` says what a run would touch now. Both
return counts by the plural noun of what they touch ({"signatures": 3, "supporters": 1}).

Per-organisation periods, the daily run, its audit entries, the settings page and the
privacy notice live in the `retention` app, which reads this registry and imports no app's
kinds by name: a later kind joins by registering here.

The periods of site-wide kinds (rate-limit counts, sign-in sessions, task rows) are the
defaults here: they hold no organisation's data, so no organisation's schedule applies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _

from .models import RateCount

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django.utils.functional import _StrPromise

    from groundswell.accounts.models import Organisation

Counts = dict[str, int]
# The organisation whose rows a kind works on, or None for a site-wide kind.
Work = Callable[["Organisation | None", datetime], Counts]

Does = Literal["delete", "anonymise"]
DELETE: Does = "delete"
ANONYMISE: Does = "anonymise"

DAY = timedelta(days=1)
YEAR_DAYS = 365


@dataclass(frozen=True)
class Kind:
    name: str
    label: _StrPromise
    # What personal data it covers, in a sentence for the privacy notice.
    covers: _StrPromise
    default_days: int
    does: Does
    run: Work
    count: Work
    # Bounds an owner may choose between: below `min_days` a kind would undo what the
    # product needs (confirmation links, the audit trail), above `max_days` is not retention.
    min_days: int = 1
    max_days: int = 10 * YEAR_DAYS
    site_wide: bool = False
    # Where it stands on the settings page and the privacy notice.
    order: int = 100

    def cutoff(self, now: datetime, days: int) -> datetime:
        return now - days * DAY


@dataclass(frozen=True)
class Deleting:
    """The `run` and `count` of a kind that deletes the rows `rows(organisation, cutoff)`
    picks, counted under `noun`: what most kinds do, written once."""

    noun: str
    rows: Callable[[Organisation | None, datetime], QuerySet[Any]]

    def run(self, organisation: Organisation | None, cutoff: datetime) -> Counts:
        return {self.noun: self.rows(organisation, cutoff).delete()[0]}

    def count(self, organisation: Organisation | None, cutoff: datetime) -> Counts:
        return {self.noun: self.rows(organisation, cutoff).count()}


REGISTRY: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    if kind.name in REGISTRY:
        raise ImproperlyConfigured(f"Two retention kinds are called {kind.name}.")
    if not kind.min_days <= kind.default_days <= kind.max_days:
        raise ImproperlyConfigured(f"{kind.name}: the default period is out of its own bounds.")
    REGISTRY[kind.name] = kind
    return kind


def discover() -> dict[str, Kind]:
    """Import every app's retention.py, so that REGISTRY holds every kind."""
    autodiscover_modules("retention")
    return REGISTRY


def kinds(*, site_wide: bool = False) -> list[Kind]:
    """The organisations' kinds (or the site-wide ones), in their order."""
    found = [kind for kind in discover().values() if kind.site_wide == site_wide]
    return sorted(found, key=lambda kind: (kind.order, kind.name))


def total(counts: Counts) -> int:
    return sum(counts.values())


def describe(counts: Counts) -> str:
    """ "3 signatures, 1 supporters" for the operator's command and the audit entry's data;
    "nothing" when every count is zero."""
    shown = [f"{count} {noun}" for noun, count in counts.items() if count]
    return ", ".join(shown) or "nothing"


# --- lib's own site-wide kinds ------------------------------------------------------------
# Here rather than in a module of their own: discover() imports `<app>.retention`, and for
# lib that is this module.


def _rate_counts(organisation: Organisation | None, cutoff: datetime) -> QuerySet[RateCount]:
    # Rows hold a keyed hash of the visitor's network, not the address; finished windows are
    # dropped every few minutes anyway (tasks.forget_old_rate_counts), so this catches only
    # what that missed.
    return RateCount.objects.filter(expires__lt=int(cutoff.timestamp()))


def _sessions(organisation: Organisation | None, cutoff: datetime) -> QuerySet[Any]:
    from django.contrib.sessions.models import Session

    return Session.objects.filter(expire_date__lt=cutoff)


def _task_rows(organisation: Organisation | None, cutoff: datetime) -> QuerySet[Any]:
    from django_tasks_db.models import DBTaskResult

    # Finished runs only: a task's arguments (an email's address) stay in its row.
    return DBTaskResult.objects.filter(status__in=("SUCCESSFUL", "FAILED"), finished_at__lt=cutoff)


register(
    Kind(
        name="lib.rate_counts",
        label=_("Rate-limit counts"),
        covers=_(
            "Counts of recent requests per connection, kept under a keyed hash of the "
            "network address (never the address itself) to slow down abuse."
        ),
        default_days=1,
        does=DELETE,
        run=Deleting("rate-limit counts", _rate_counts).run,
        count=Deleting("rate-limit counts", _rate_counts).count,
        site_wide=True,
        order=10,
    )
)
register(
    Kind(
        name="lib.sessions",
        label=_("Expired sign-in sessions"),
        covers=_("Staff sign-in sessions that have ended."),
        default_days=1,
        does=DELETE,
        run=Deleting("sessions", _sessions).run,
        count=Deleting("sessions", _sessions).count,
        site_wide=True,
        order=20,
    )
)
register(
    Kind(
        name="lib.task_rows",
        label=_("Finished background tasks"),
        covers=_(
            "Records of finished background work, whose arguments can include an email "
            "address (an email being sent)."
        ),
        default_days=7,
        does=DELETE,
        run=Deleting("task rows", _task_rows).run,
        count=Deleting("task rows", _task_rows).count,
        site_wide=True,
        order=30,
    )
)
