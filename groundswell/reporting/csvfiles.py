"""The monthly report's tables as CSV files, one per table, every cell formula-guarded."""

from __future__ import annotations

import csv
from pathlib import Path

from groundswell.lib.csvcells import csv_cell

from .figures import Monthly


def write(report: Monthly, folder: Path) -> list[Path]:
    """Write `<table>.csv` for each table of `report` into `folder` (made if missing); the
    paths written, in the report's order."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table in report.tables:
        path = folder / f"{report.month}-{table.name}.csv"
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow([csv_cell(str(column)) for column in table.columns])
            for row in table.rows:
                writer.writerow([csv_cell(cell if isinstance(cell, int) else str(cell))
                                 for cell in row])  # fmt: skip
        written.append(path)
    return written
