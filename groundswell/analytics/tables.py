"""The tables of the analytics pages, each shown as HTML and downloadable as CSV.

A table is built only when asked for (a CSV download builds one), from one report query.
Nothing here names a person: rows are channels, sites, utm values, days, campaigns,
petitions and stories.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from . import reports
from .models import Dimension, Scope
from .reports import Row, Span

NOTHING = _("Nothing counted in these days.")


@dataclass
class Table:
    name: str
    title: str | Promise
    columns: list[str | Promise]
    rows: list[list[Any]]
    # Shown under the title: what the figures mean.
    note: str | Promise = ""
    # What the table shows for a day range with nothing in it.
    empty: str | Promise = NOTHING
    # The id of each row's campaign, petition or story, where its rows are those.
    keys: list[Any] | None = None

    @property
    def lines(self) -> list[tuple[Any, list[Any]]]:
        """(key, cells) for each row: the key is None where rows have none."""
        keys = self.keys or [None] * len(self.rows)
        return list(zip(keys, self.rows, strict=True))


def rate(part: int, whole: int) -> str:
    """A conversion as people read it: "12.5 %", or "—" where there was nothing to convert."""
    if not whole:
        return "—"
    return f"{number_format(100 * part / whole, 1)} %"


def _funnel_columns() -> list[str | Promise]:
    return [
        _("Page views"),
        _("Signatures"),
        _("Views that signed"),
        _("Confirmed"),
        _("Signatures confirmed"),
        _("Share clicks"),
        _("Referred signatures"),
    ]


def _funnel_cells(row: Row) -> list[Any]:
    views, signs, confirmed = row.get("page_view"), row.get("sign"), row.get("confirm")
    return [
        views,
        signs,
        rate(signs, views),
        confirmed,
        rate(confirmed, signs),
        row.get("share_click"),
        row.get("referred_sign"),
    ]


def funnel(span: Span) -> Table:
    steps = reports.funnel(span)
    rows = [
        [step.label, step.count, "—" if step.rate is None else rate(step.count, prior.count)]
        for prior, step in zip([steps[0], *steps], steps, strict=False)
    ]
    return Table(
        "funnel",
        _("Funnel: view → sign → confirm → share → referred sign"),
        [_("Step"), _("Count"), _("Of the step before")],
        rows,
        note=_(
            "Each step is counted on the day it happened, so a step can be larger than the one "
            "before it in a short range (signatures confirmed today of yesterday's signing)."
        ),
    )


def channels(span: Span) -> Table:
    rows = [
        [
            row.label,
            *_funnel_cells(row),
            row.get("follower_gained"),
            row.get("delivery"),
            row.get("post_sent"),
            row.get("reply_received"),
        ]
        for row in reports.by_channel(span)
    ]
    return Table(
        "channels",
        _("Channels"),
        [
            _("Channel"),
            *_funnel_columns(),
            _("Followers gained"),
            _("Deliveries"),
            _("Posts sent"),
            _("Replies"),
        ],
        rows,
        note=_(
            "Page views and signatures are counted by the channel people came from; share "
            "clicks by the channel they shared to. The fediverse and Bluesky report no "
            "impressions: there, reach means followers and deliveries (the servers that took "
            "each story) and posts sent, not people who saw them."
        ),
    )


def _named(name: str, title: str | Promise, first: str | Promise, rows: list[Row]) -> Table:
    return Table(
        name, title, [first, *_funnel_columns()], [[r.label, *_funnel_cells(r)] for r in rows]
    )


# Each scope's table, by name.
PLURAL = {Scope.CAMPAIGN: "campaigns", Scope.PETITION: "petitions", Scope.STORY: "stories"}


def scopes(span: Span, scope: str, names: dict[int, str]) -> Table:
    title, first = {
        Scope.CAMPAIGN: (_("Campaigns"), _("Campaign")),
        Scope.PETITION: (_("Petitions"), _("Petition")),
        Scope.STORY: (_("Stories"), _("Story")),
    }[Scope(scope)]
    rows = reports.by_scope(span, scope, names)
    table = _named(PLURAL[Scope(scope)], title, first, rows)
    table.keys = [row.key for row in rows]
    if scope == Scope.PETITION:
        table.note = _(
            "A petition's page views are those of its own page; its signatures include those "
            "made with its form on the campaign's and the stories' pages."
        )
    return table


VALUE_TABLES: dict[str, tuple[str, Promise, Promise]] = {
    "referrers": (Dimension.REFERRER, _("Referring websites"), _("Website")),
    "utm_source": (Dimension.UTM_SOURCE, _("utm_source"), _("Source")),
    "utm_medium": (Dimension.UTM_MEDIUM, _("utm_medium"), _("Medium")),
    "utm_campaign": (Dimension.UTM_CAMPAIGN, _("utm_campaign"), _("Campaign tag")),
}


def values(span: Span, name: str) -> Table:
    dimension, title, first = VALUE_TABLES[name]
    table = _named(name, title, first, reports.by_value(span, dimension))
    table.note = _("The 50 with the most page views.")
    return table


def days(span: Span) -> Table:
    table = _named("days", _("Day by day"), _("Day"), reports.by_day(span))
    return table


Builder = Callable[[Span], Table]


def builders(names: dict[str, dict[int, str]]) -> dict[str, Builder]:
    """Every table of a page by name; `names` holds the titles of its campaigns, petitions
    or stories by scope ({"campaign": {id: title}})."""
    found: dict[str, Builder] = {"funnel": funnel, "channels": channels}
    for scope, titles in names.items():
        found[PLURAL[Scope(scope)]] = partial(scopes, scope=scope, names=titles)
    for name in VALUE_TABLES:
        found[name] = partial(values, name=name)
    found["days"] = days
    return found
