"""`python -m groundswell evangelists ORG_SLUG [--top N] --json`: the ranking, computed now."""
# The signature ranking is timed on its own (P4); the RSVPs and volunteers are counted after.

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from groundswell.accounts.models import Organisation
from groundswell.referrals import credit, ranking


class Command(BaseCommand):
    # The ranking needs the models, not the URLs, templates and the rest the system checks
    # import (seconds: every page's module, the Bluesky client among them); `check` and
    # every server start still run them.
    requires_system_checks = []  # noqa: RUF012 (an instance variable on BaseCommand)
    help = (
        "Rank the organisation's supporters by the confirmed signatures their sharing "
        "generated (downstream, then direct, then supporter id) from every signature as it "
        'is now, and print the first N as a JSON list of {"supporter", "downstream", '
        '"direct", "rsvps", "volunteers"}: the last two count the confirmed RSVPs and '
        "volunteer sign-ups made through the supporter's link, and supporters credited only "
        "with those follow everyone with signature credit, most first. Does not change the "
        "stored ranking that the staff page shows."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("organisation", metavar="ORG_SLUG")
        parser.add_argument("--top", type=int, default=100, metavar="N")
        parser.add_argument(
            "--json", action="store_true", help="Print JSON (the only format there is)."
        )
        parser.add_argument(
            "--timing", action="store_true", help="Also say on stderr how long it took."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["top"] < 1:
            raise CommandError("--top must be at least 1.")
        organisation_id = (
            Organisation.objects.filter(slug=options["organisation"])
            .values_list("id", flat=True)
            .first()
        )
        if organisation_id is None:
            raise CommandError(f"No organisation has the address name {options['organisation']!r}.")
        timed = ranking.rank_organisation(organisation_id, top=options["top"])
        ranked = timed.ranked
        entries = [
            {"supporter": s, "downstream": d, "direct": r}
            for s, d, r in zip(
                ranked.supporter.tolist(),
                ranked.downstream.tolist(),
                ranked.direct.tolist(),
                strict=True,
            )
        ]
        started = time.perf_counter()
        entries = credit.attach(entries, credit.counts(organisation_id), None, keep=options["top"])
        counted = time.perf_counter() - started
        self.stdout.write(json.dumps(entries))
        if options["timing"]:
            self.stderr.write(
                f"{timed.signatures} signatures: read in {timed.read_seconds:.2f} s, "
                f"ranked in {timed.rank_seconds:.2f} s; RSVPs and volunteers counted in "
                f"{counted:.2f} s"
            )
