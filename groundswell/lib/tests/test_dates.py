from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

from groundswell.lib.dates import day_start, local_day, month_bounds, week_start, zone_named

PACKAGE = Path(__file__).resolve().parents[2]


def test_weeks_start_on_monday_and_months_hold_their_days() -> None:
    assert week_start(date(2026, 12, 6)) == date(2026, 11, 30)  # a Sunday
    assert week_start(date(2026, 11, 30)) == date(2026, 11, 30)
    assert month_bounds(date(2028, 2, 14)) == (date(2028, 2, 1), date(2028, 2, 29))


def test_a_day_and_its_midnight_are_the_zones() -> None:
    auckland = zone_named("Pacific/Auckland")
    assert local_day(datetime(2026, 11, 30, 23, 30, tzinfo=UTC), auckland) == date(2026, 12, 1)
    assert day_start(date(2026, 12, 1), auckland).astimezone(UTC) == datetime(
        2026, 11, 30, 11, 0, tzinfo=UTC
    )
    assert zone_named("Mars/Olympus_Mons") == zone_named("")  # the site's


def test_the_start_of_a_week_is_worked_out_in_one_place() -> None:
    by_hand = re.compile(r"timedelta\(days=\w+\.weekday\(\)\)")
    found = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "tests" not in path.parts and path.name != "dates.py"
        if by_hand.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []
