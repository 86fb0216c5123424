"""One rule for every CSV the product writes: a cell never runs as a spreadsheet formula.

Spreadsheet apps run a cell that starts like a formula (OWASP "CSV injection"); a leading
apostrophe makes it plain text. Tab and carriage return can start a formula in some apps,
and leading spaces do not stop one.
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + value
    return value
