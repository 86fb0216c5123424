"""Charts drawn on the server as SVG: no JavaScript, and the numbers are in a table beside.

A chart is a picture of a table the page also shows ("Day by day"), so it is `role="img"`
with a title and a one-sentence description; screen readers read the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from .tables import Table

# In the SVG's own units; the picture is scaled to the page's width (labels are 22 units
# high, so about 11 px on a phone).
WIDTH, HEIGHT = 640, 240
LEFT, BOTTOM, TOP = 80, 34, 24


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int


@dataclass
class Chart:
    title: str
    description: str
    bars: list[Bar]
    top: int
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    base: int = HEIGHT - BOTTOM
    top_y: int = TOP
    first_label: str = ""
    last_label: str = ""


def nice_top(value: int) -> int:
    """The axis' top: 1, 2 or 5 times a power of ten, at or above `value`."""
    scale = 1
    while True:
        for step in (1, 2, 5):
            if step * scale >= value:
                return step * scale
        scale *= 10


def bar_chart(title: str, labels: list[str], values: list[int], description: str) -> Chart:
    top = nice_top(max([*values, 1]))
    room = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT) / max(len(values), 1)
    bars = []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        height = room * value / top
        bars.append(
            Bar(
                x=round(LEFT + index * slot + slot * 0.1, 2),
                y=round(HEIGHT - BOTTOM - height, 2),
                width=round(max(slot * 0.8, 1), 2),
                height=round(height, 2),
                label=label,
                value=value,
            )
        )
    return Chart(title, description, bars, top, first_label=labels[0] if labels else "",
                 last_label=labels[-1] if labels else "")  # fmt: skip


def daily_chart(days: Table) -> dict[str, Any]:
    """Page views and signatures per day, from the "Day by day" table's rows."""
    labels = [str(row[0]) for row in days.rows]
    views = [int(row[1]) for row in days.rows]
    signs = [int(row[2]) for row in days.rows]
    return {
        "views": bar_chart(
            _("Page views per day"),
            labels,
            views,
            _("%(total)s page views in %(days)s days; the most in one day: %(most)s.")
            % {"total": sum(views), "days": len(views), "most": max(views, default=0)},
        ),
        "signs": bar_chart(
            _("Signatures per day"),
            labels,
            signs,
            _("%(total)s signatures in %(days)s days; the most in one day: %(most)s.")
            % {"total": sum(signs), "days": len(signs), "most": max(signs, default=0)},
        ),
    }
