"""`python -m groundswell impact_report ORG_SLUG --month YYYY-MM --pdf FILE [--csv DIR]`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from groundswell.accounts.models import Organisation
from groundswell.reporting import csvfiles, pdf
from groundswell.reporting.figures import monthly, parse_month


class Command(BaseCommand):
    help = (
        "Write an organisation's monthly report for management: a PDF (--pdf FILE) and/or "
        "one CSV per table (--csv DIR)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("organisation", metavar="ORG_SLUG")
        parser.add_argument("--month", required=True, metavar="YYYY-MM")
        parser.add_argument("--pdf", type=Path, metavar="FILE")
        parser.add_argument("--csv", type=Path, metavar="DIR")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["pdf"] and not options["csv"]:
            raise CommandError("Say where to write the report: --pdf FILE, --csv DIR or both.")
        month = parse_month(options["month"])
        if month is None:
            raise CommandError(
                f"--month must be a month as YYYY-MM, like 2026-11, not {options['month']!r}."
            )
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"No organisation has the address name {options['organisation']!r}.")
        self.stderr.write(f"Counting {organisation.name}, {month:%Y-%m} …")
        report = monthly(organisation, month)
        if options["pdf"]:
            path: Path = options["pdf"]
            if path.parent and not path.parent.is_dir():
                raise CommandError(f"The folder {path.parent} does not exist.")
            path.write_bytes(pdf.render(report))
            self.stdout.write(f"Wrote {path}")
        if options["csv"]:
            for written in csvfiles.write(report, options["csv"]):
                self.stdout.write(f"Wrote {written}")
